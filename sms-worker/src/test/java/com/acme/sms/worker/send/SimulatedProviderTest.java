package com.acme.sms.worker.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.worker.receipt.Receipt;
import com.acme.sms.worker.receipt.ReceiptState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedProviderTest {

    @TempDir
    Path dir;

    @Test
    void everyAcceptedMessageIsLoggedOncePerSendAndRejectedOnesAreNot() throws Exception {
        Path log = dir.resolve("sends.log");
        SimulatedProvider provider = new SimulatedProvider(config(log), receipts -> {});
        QueuedMessage ok = message("+441632960001");
        QueuedMessage rejected = message("+4477009000001");

        provider.send(List.of(ok, rejected)).toCompletableFuture().get();
        provider.send(List.of(ok)).toCompletableFuture().get();

        assertThat(Files.readAllLines(log)).containsExactly(ok.id().toString(), ok.id().toString());
    }

    @Test
    void everyPartTakenGetsItsOwnIdAndOneReceiptAfterTheDelayUndeliveredByPrefix() throws Exception {
        List<Receipt> got = new CopyOnWriteArrayList<>();
        SimulatedProvider provider = new SimulatedProvider(config(dir.resolve("sends.log")), got::addAll);
        QueuedMessage shortOne = message("+441632960001", "hi");
        QueuedMessage longOne = message("+441632960002", "x".repeat(161));
        QueuedMessage toUnreachable = message("+4477001000001", "hi");
        QueuedMessage rejected = message("+4477009000001", "hi");

        List<SmsProvider.Result> results = provider
                .send(List.of(shortOne, longOne, toUnreachable, rejected)).toCompletableFuture().get();

        assertThat(results.get(0).providerIds()).hasSize(1);
        assertThat(results.get(1).providerIds()).hasSize(2).doesNotHaveDuplicates();
        assertThat(results.get(3).sent()).isFalse();
        assertThat(results.get(3).providerIds()).isEmpty();
        assertThat(got).as("no receipt before the delay").isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 4);
        Map<String, ReceiptState> stateOf = got.stream().collect(Collectors.toMap(Receipt::providerId, Receipt::state));
        assertThat(stateOf).containsEntry(results.get(0).providerIds().get(0), ReceiptState.DELIVRD)
                .containsEntry(results.get(1).providerIds().get(0), ReceiptState.DELIVRD)
                .containsEntry(results.get(1).providerIds().get(1), ReceiptState.DELIVRD)
                .containsEntry(results.get(2).providerIds().get(0), ReceiptState.UNDELIV);
        assertThat(got).allSatisfy(r -> assertThat(r.doneAt()).isNotNull());
    }

    private static QueuedMessage message(String to) {
        return message(to, "hi");
    }

    private static QueuedMessage message(String to, String content) {
        return new QueuedMessage(UUID.randomUUID(), "acme", MessageType.NORMAL, to, "ACME", content, 0, 1, 0);
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

            public boolean receipts() {
                return true;
            }

            public String kind() {
                return "simulated";
            }

            public Duration receiptDelay() {
                return Duration.ofMillis(300);
            }

            public Optional<String> undeliveredPrefix() {
                return Optional.of("+4477001");
            }
        };
    }
}
