package com.acme.sms.worker.send;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedProviderSendLogTest {

    @TempDir
    Path dir;

    @Test
    void everyAcceptedMessageIsLoggedOncePerSendAndRejectedOnesAreNot() throws Exception {
        Path log = dir.resolve("sends.log");
        SimulatedProvider provider = new SimulatedProvider(config(log));
        QueuedMessage ok = message("+441632960001");
        QueuedMessage rejected = message("+4477009000001");

        provider.send(List.of(ok, rejected)).toCompletableFuture().get();
        provider.send(List.of(ok)).toCompletableFuture().get();

        assertThat(Files.readAllLines(log)).containsExactly(ok.id().toString(), ok.id().toString());
    }

    private static QueuedMessage message(String to) {
        return new QueuedMessage(UUID.randomUUID(), "acme", MessageType.NORMAL, to, "ACME", "hi", 0, 1, 0);
    }

    private static ProviderConfig config(Path log) {
        return new ProviderConfig() {
            public long latencyMs() {
                return 0;
            }

            public double failureRate() {
                return 0;
            }

            public Optional<String> failPrefix() {
                return Optional.of("+4477009");
            }

            public Optional<String> transientFailPrefix() {
                return Optional.empty();
            }

            public Optional<String> sendLog() {
                return Optional.of(log.toString());
            }

            public java.time.Duration timeout() {
                return java.time.Duration.ofSeconds(15);
            }
        };
    }
}
