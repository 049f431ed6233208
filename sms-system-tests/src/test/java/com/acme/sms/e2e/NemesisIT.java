package com.acme.sms.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.system.Repository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The randomized fault simulator ({@code bin/nemesis}, docs/nemesis.md) on the packaged apps: a short run with a
 * fresh seed each time (printed, so a failure replays with {@code bin/nemesis --seed N --duration 40}), and a
 * sabotaged run that must fail, so that a checker that sees nothing cannot pass unnoticed.
 *
 * The simulator starts its own Redis and PostgreSQL on free ports; it never touches the shared servers.
 */
class NemesisIT {

    /**
     * The checks whose violation fails CI: every check the simulator has. Before the fixes of issue 17 five of them
     * failed for some seeds (docs/nemesis.md says which and why); {@code no-500} was the last to hold (its causes:
     * a connection reset under a command and Agroal's acquisition timeout answered 500, found by seeds 101, 105, 106).
     */
    static final List<String> ENFORCED = List.of("drained", "no-loss", "no-phantom", "idempotent-replay",
            "sends-bounded", "sent-was-sent", "failed-not-sent", "no-dead-letter-for-sent", "refund-once",
            "credit-conservation", "no-credit-created", "stores-agree", "ledger-consistent", "topups-accounted",
            "usage-counters", "no-500");

    static final int DURATION_SECONDS = 40;

    @Test
    void aShortRunWithAFreshSeedKeepsTheEnforcedInvariants() throws Exception {
        long seed = 1 + new SecureRandom().nextInt(Integer.MAX_VALUE - 1);
        System.out.println("NemesisIT seed " + seed + " (replay: bin/nemesis --seed " + seed + " --duration "
                + DURATION_SECONDS + ")");
        Run run = nemesis("seed-" + seed, "--seed", Long.toString(seed), "--duration", Integer.toString(DURATION_SECONDS),
                "--enforce", String.join(",", ENFORCED));
        assertThat(run.output).as("the run's verdict").contains("nemesis seed=" + seed + " PASSED");
        assertThat(run.exitCode).as("bin/nemesis exit code (seed %d, output in %s)", seed, run.log).isZero();
    }

    @Test
    void aSabotagedRunFailsOnEveryInvariantItBroke() throws Exception {
        Run run = nemesis("sabotage", "--seed", "5", "--duration", "6", "--workers", "2", "--sabotage");
        assertThat(run.exitCode).as("exit code of a sabotaged run (output in %s)", run.log).isEqualTo(1);
        // The sabotage adds one live credit, a second provider send and deletes a sent row.
        for (String check : List.of("credit-conservation", "no-credit-created", "stores-agree", "ledger-consistent",
                "sends-bounded", "no-loss", "usage-counters")) {
            assertThat(run.output).as("the check %s", check).containsPattern("\\n  " + check + " +FAIL");
        }
        assertThat(run.output)
                .contains("nemesis seed=5 FAILED");
    }

    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedAnotherOne() throws Exception {
        String first = nemesis("schedule", "--seed", "42", "--duration", "180", "--schedule-only").output;
        String again = nemesis("schedule", "--seed", "42", "--duration", "180", "--schedule-only").output;
        String other = nemesis("schedule", "--seed", "43", "--duration", "180", "--schedule-only").output;
        assertThat(first).contains("schedule (").containsPattern("t= +[0-9.]+s +(kill9|sigstop|term|provider|redis-kill"
                + "|pg-stop|client-pause) ");
        assertThat(again).isEqualTo(first);
        assertThat(schedule(other)).isNotEqualTo(schedule(first));
    }

    private static String schedule(String output) {
        return output.substring(output.indexOf("schedule ("));
    }

    record Run(int exitCode, String output, Path log) {}

    private static Run nemesis(String name, String... args) throws Exception {
        // Kept after the run: the apps' logs, the provider's send logs and PostgreSQL's log, for a failure's story.
        Path dir = Files.createTempDirectory(
                Files.createDirectories(Path.of(System.getProperty("sms.test.output", "target")).resolve("nemesis")),
                name + "-");
        Path log = dir.resolve("nemesis.out");
        List<String> command = new ArrayList<>(List.of(Repository.ROOT.resolve("bin/nemesis").toString(), "--dir",
                dir.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            // bin/nemesis stops its servers and apps on SIGTERM
            p.destroy();
            p.waitFor(2, TimeUnit.MINUTES);
            throw new AssertionError("bin/nemesis did not finish within 15 minutes; output in " + log);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output);
        return new Run(p.exitValue(), output, log);
    }
}
