package com.acme.sms.e2e;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.system.AppProcess;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fault tests behind docs/promises.md that need no private Redis or PostgreSQL: racing API instances, workers killed
 * at each step, paused past the reclaim timeout, and stopped mid-batch. Each prints its counts and asserts them.
 */
class WorkerFaultsIT {

    static Platform platform;
    static AppProcess api;

    @BeforeAll
    static void start() throws Exception {
        platform = Platform.shared();
        api = platform.api();
    }

    @AfterAll
    static void stop() throws Exception {
        platform.close();
    }

    @BeforeEach
    void clean() throws Exception {
        platform.cleanQueues();
    }

    @Test
    void aRebuildWhileRealWorkersDeliverIsExactOrRefusedNeverWrong() throws Exception {
        // Issue 17, item 2: the rebuild used to read PostgreSQL, the streams and the retry sets in separate steps
        // while workers kept finishing messages in between. Here real workers deliver and a client keeps sending
        // (both types, some to numbers the provider rejects, so refunds run too) while the rebuild runs three times.
        AppProcess normal = platform.worker("normal", Map.of()).awaitReady();
        AppProcess express = platform.worker("express", Map.of()).awaitReady();
        long credit = 1_000_000;
        String client = platform.newClient(api, credit);
        List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean loading = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread load = new Thread(() -> {
            for (int i = 0; loading.get(); i++) {
                // A send refused during the rebuild's freeze (503 rebuild-in-progress) accepted nothing.
                accepted.addAll(Platform.send(api, client, i % 3 == 0 ? "express" : "normal", 20, 2));
            }
        });
        Map<Integer, Integer> answers = new java.util.TreeMap<>();
        try {
            load.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 1_000);
            for (int i = 0; i < 3; i++) {
                int status = given().port(api.port).header("X-Admin-Key", Platform.ADMIN_KEY)
                        .post("/api/admin/reconciliation/rebuild").statusCode();
                answers.merge(status, 1, Integer::sum);
                TimeUnit.SECONDS.sleep(1);
            }
        } finally {
            loading.set(false);
            load.join();
        }
        System.out.printf("[rebuild under traffic] rebuild answers %s, messages accepted %d%n", answers,
                accepted.size());
        assertThat(answers.keySet()).as("a rebuild is exact (200) or refused (409)").isSubsetOf(200, 409);
        platform.awaitDrained(Duration.ofSeconds(90));
        // Live balance = credit - sent, PostgreSQL agrees, every accepted message recorded once, no drift.
        platform.audit("rebuild under traffic", api, client, credit, List.copyOf(accepted));
        normal.close();
        express.close();
    }

    @Test
    void twoHundredParallelBulkRequestsAgainstTwoApiInstancesNeverOverspend() throws Exception {
        AppProcess second = platform.api();
        long credit = 1_234;
        String client = platform.newClient(api, credit);
        String body = "{\"messages\": [" + String.join(",", Collections.nCopies(10,
                "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"race\"}")) + "]}";
        ExecutorService pool = Executors.newFixedThreadPool(48);
        List<Future<Response>> answers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int port = i % 2 == 0 ? api.port : second.port;
            answers.add(pool.submit(() -> given().port(port).header("X-Client-ID", client).contentType("application/json")
                    .body(body).post("/api/messages/bulk/send")));
        }
        Set<String> ids = new HashSet<>();
        int accepted = 0;
        for (Future<Response> f : answers) {
            Response r = f.get(60, TimeUnit.SECONDS);
            // 503: Redis did not answer within the store timeout, as on a box whose cores other work holds; it
            // charged nothing (promise 13a), which the exact figures below still check. The race is the point here,
            // not the latency: 2,000 messages are asked for against 1,234 credits, so the rest still use them up.
            assertThat(r.statusCode()).isIn(202, 402, 503);
            if (r.statusCode() == 202) {
                accepted += r.<Integer>path("accepted");
                ids.addAll(r.<List<String>>path("results.findAll { it.status == 'queued' }.id"));
            }
        }
        pool.shutdown();
        long queued = platform.backlog();
        System.out.printf("[two APIs] credit=%d requested=2000 accepted=%d distinct_ids=%d queued=%d%n",
                credit, accepted, ids.size(), queued);
        assertThat(accepted).isEqualTo(credit);
        assertThat(ids).hasSize((int) credit);
        assertThat(queued).isEqualTo(credit);
        assertThat(Resp.once(platform.redisPort, platform.redisDb, "EXISTS", "sms:credit:{" + client + "}")).isEqualTo(0L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"after-read", "after-send", "after-persist", "after-refund"})
    void aWorkerKilledAtAnyStepLosesNothingAndDoublesNothing(String step) throws Exception {
        long credit = 100;
        String client = platform.newClient(api, credit);
        List<String> accepted = Platform.send(api, client, "normal", 40, 8);
        assertThat(accepted).hasSize(40);

        AppProcess doomed = platform.worker("normal", Map.of("SMS_WORKER_CRASH_AT", step, "SMS_WORKER_CONCURRENCY", "1"));
        assertThat(doomed.process.waitFor(60, TimeUnit.SECONDS)).as("the worker halted at " + step).isTrue();
        assertThat(doomed.process.exitValue()).isEqualTo(137);
        assertThat(platform.backlog()).as("the batch is still in Redis, pending").isEqualTo(40);

        AppProcess survivor = platform.worker("normal", Map.of());
        platform.awaitDrained(Duration.ofSeconds(60));
        platform.audit("kill -9 " + step, api, client, credit, accepted);
        survivor.close();
    }

    @Test
    void aWorkerKilledAsScheduledMessagesFallDueLosesNoneSendsNoneTwiceAndNoneEarly() throws Exception {
        long credit = 100;
        String client = platform.newClient(api, credit);
        StringBuilder messages = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            messages.append(i == 0 ? "" : ",").append("{\"to\": \"+49170").append(1_000_000 + i)
                    .append("\", \"from\": \"App\", \"content\": \"scheduled ").append(i).append("\"}");
        }
        List<String> accepted = given().port(api.port).header("X-Client-ID", client).contentType("application/json")
                .body("{\"send_at\": \"" + java.time.Instant.now().plus(Duration.ofMinutes(5)) + "\", \"messages\": ["
                        + messages + "]}")
                .post("/api/messages/bulk/send").then().statusCode(202).extract().path("results.id");
        assertThat(accepted).hasSize(40);

        // A worker that halts right after its first read. Not due yet: it reads nothing, sends nothing.
        AppProcess doomed = platform.worker("normal", Map.of("SMS_WORKER_CRASH_AT", "after-read", "SMS_WORKER_CONCURRENCY",
                "1")).awaitReady();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> doomed.process.isAlive()
                && Resp.once(platform.redisPort, platform.redisDb, "XLEN", "sms:normal").equals(0L));
        assertThat(platform.sends(accepted)).as("nothing sent before its time").isEmpty();

        // Their time comes (the schedule's scores say when): the worker moves them into the stream, reads, dies.
        try (Resp r = new Resp(platform.redisPort, platform.redisDb)) {
            for (Object member : (List<?>) r.call("ZRANGE", "sms:retry:normal", "0", "-1")) {
                r.call("ZADD", "sms:retry:normal", "0", member.toString());
            }
        }
        assertThat(doomed.process.waitFor(60, TimeUnit.SECONDS)).as("the worker halted after its read").isTrue();
        assertThat(doomed.process.exitValue()).isEqualTo(137);

        AppProcess survivor = platform.worker("normal", Map.of());
        platform.awaitDrained(Duration.ofSeconds(90));
        platform.audit("kill -9 as scheduled messages fall due", api, client, credit, accepted);
        survivor.close();
    }

    @Test
    void aWorkerPausedPastTheReclaimTimeoutThenResumedDoublesNothing() throws Exception {
        long credit = 100;
        String client = platform.newClient(api, credit);
        List<String> accepted = Platform.send(api, client, "normal", 40, 8);
        // A slow provider keeps the batch in flight while the worker is frozen.
        AppProcess paused = platform.worker("normal", Map.of("SMS_PROVIDER_LATENCY_MS", "2000", "SMS_WORKER_CONCURRENCY", "1",
                // The provider takes 2 s: its timeout, and reclaim-idle after it, must be longer (TimeoutOrder).
                "SMS_PROVIDER_TIMEOUT", "5s", "SMS_WORKER_RECLAIM_IDLE", "7s"))
                .awaitReady();
        await().atMost(Duration.ofSeconds(20)).until(() -> pendingCount() > 0);
        paused.signal("STOP");
        AppProcess other = platform.worker("normal", Map.of("SMS_PROVIDER_LATENCY_MS", "200"));
        platform.awaitDrained(Duration.ofSeconds(60));
        paused.signal("CONT");
        // Let the resumed worker finish its stale batch: it must find the rows written and change nothing.
        await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ofSeconds(3)).until(() -> true);
        platform.audit("SIGSTOP/SIGCONT", api, client, credit, accepted);
        other.close();
        paused.close();
    }

    @Test
    void sigtermMidBatchFinishesTheBatchAndExitsWithinTheBound() throws Exception {
        long credit = 100;
        String client = platform.newClient(api, credit);
        List<String> accepted = Platform.send(api, client, "express", 30, 5);
        AppProcess worker = platform.worker("express", Map.of("SMS_PROVIDER_LATENCY_MS", "3000", "SMS_WORKER_CONCURRENCY", "1",
                "SMS_PROVIDER_TIMEOUT", "5s", "SMS_WORKER_RECLAIM_IDLE", "7s"))
                .awaitReady();
        await().atMost(Duration.ofSeconds(20)).until(() -> pendingCount() > 0);
        long start = System.nanoTime();
        worker.signal("TERM");
        assertThat(worker.process.waitFor(25, TimeUnit.SECONDS)).isTrue();
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("[SIGTERM mid-batch] exited in %d ms with %d, backlog left %d%n", tookMs,
                worker.process.exitValue(), platform.backlog());
        assertThat(platform.backlog()).as("the batch in progress was finished, not dropped").isZero();
        platform.audit("SIGTERM", api, client, credit, accepted);
    }

    private long pendingCount() throws Exception {
        try (Resp r = new Resp(platform.redisPort, platform.redisDb)) {
            long total = 0;
            for (String key : new String[] {"sms:normal", "sms:express"}) {
                if (r.number("EXISTS", key) == 1) {
                    try {
                        Object summary = r.call("XPENDING", key, "sms-workers");
                        total += Long.parseLong(((List<?>) summary).get(0).toString());
                    } catch (java.io.IOException noGroup) {
                        // the group does not exist yet
                    }
                }
            }
            return total;
        }
    }
}
