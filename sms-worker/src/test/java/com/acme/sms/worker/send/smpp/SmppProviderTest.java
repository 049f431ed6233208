package com.acme.sms.worker.send.smpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.smsc.SmscSettings;
import com.acme.sms.smsc.SmscSettings.IdFormat;
import com.acme.sms.smsc.SmscSimulator;
import com.acme.sms.smsc.Submitted;
import com.acme.sms.text.SmsText;
import com.acme.sms.worker.receipt.Receipt;
import com.acme.sms.worker.receipt.ReceiptState;
import com.acme.sms.worker.send.SmsProvider.Result;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SMPP provider against the SMSC simulator over real SMPP on localhost. */
class SmppProviderTest {

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<Receipt> receipts = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private SmscSimulator smsc(SmscSettings settings) throws IOException {
        SmscSimulator s = SmscSimulator.start(settings);
        open.add(s);
        return s;
    }

    private SmppProvider provider(SmppSettings settings) {
        SmppProvider p = new SmppProvider(settings, receipts::addAll, registry);
        p.start();
        open.add(p::stop);
        return p;
    }

    private static SmppSettings settings(SmscSimulator smsc) {
        return SmppSettings.local(smsc.port(), "smsc", "secret");
    }

    private static SmppProvider bound(SmppProvider p) {
        await().atMost(Duration.ofSeconds(5)).until(() -> p.boundSessions() == p.configuredSessions());
        return p;
    }

    private static QueuedMessage message(String to, String content) {
        return new QueuedMessage(UUID.randomUUID(), "client", MessageType.NORMAL, to, "Acme", content,
                System.currentTimeMillis(), 1, 0);
    }

    private static List<Result> send(SmppProvider p, List<QueuedMessage> messages) throws Exception {
        return p.send(messages).toCompletableFuture().get();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aMessageWithAValidityTellsTheSmscWhatIsLeftOfItAndOneWithoutLeavesTheSmscsDefault() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults());
        SmppProvider p = bound(provider(settings(smsc)));
        long now = System.currentTimeMillis();
        QueuedMessage otp = new QueuedMessage(UUID.randomUUID(), "client", MessageType.EXPRESS, "+4915112345678", "Acme",
                "Your code is 1234", now, 1, now + 300_000);
        QueuedMessage plain = message("+4915112345679", "Hello");

        assertThat(send(p, List.of(otp, plain))).allSatisfy(r -> assertThat(r.sent()).isTrue());
        Submitted sentOtp = smsc.submitted().stream().filter(s -> s.destination().equals("4915112345678")).findFirst()
                .orElseThrow();
        Submitted sentPlain = smsc.submitted().stream().filter(s -> s.destination().equals("4915112345679"))
                .findFirst().orElseThrow();
        // Relative, about 5 minutes (a few seconds may have passed): 0000 00 00 hh mm ss 000 R
        assertThat(sentOtp.validityPeriod()).matches("00000000(04[0-9]{2}|0500)000R");
        assertThat(sentPlain.validityPeriod()).isNullOrEmpty();
    }

    @Test
    void relativeValidityPeriodsAreWrittenAsSmppWantsThem() {
        assertThat(SmppProvider.validityPeriod(0, 1_000)).isNull();
        assertThat(SmppProvider.validityPeriod(301_000, 1_000)).isEqualTo("000000000500000R");
        assertThat(SmppProvider.validityPeriod(1_500, 1_000)).as("never zero").isEqualTo("000000000001000R");
        assertThat(SmppProvider.validityPeriod(500, 1_000)).as("past: one second").isEqualTo("000000000001000R");
        assertThat(SmppProvider.validityPeriod(7L * 86_400_000 + 3_661_000, 0)).isEqualTo("000007010101000R");
    }

    @Test
    void aMessageIsSubmittedWithItsReceiptRequestedAndTheIdComesBack() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults());
        SmppProvider p = bound(provider(settings(smsc)));

        List<Result> results = send(p, List.of(message("+4915112345678", "Hello"), message("+4915112345679", "Hi")));

        assertThat(results).allSatisfy(r -> assertThat(r.sent()).isTrue());
        assertThat(results.get(0).providerIds()).hasSize(1);
        List<Submitted> got = smsc.submitted();
        assertThat(got).hasSize(2).allSatisfy(s -> {
            assertThat(s.registeredDelivery()).isEqualTo((byte) 1);
            assertThat(s.source()).isEqualTo("Acme");
            assertThat(s.esmClass()).isEqualTo((byte) 0);
        });
        assertThat(got).extracting(Submitted::destination).containsExactlyInAnyOrder("4915112345678", "4915112345679");
        assertThat(got.stream().filter(s -> s.destination().equals("4915112345678")).findFirst().orElseThrow()
                .messageId()).isEqualTo(results.get(0).providerIds().get(0));
        assertThat(smsc.timesDelivered("4915112345678", "Hello")).isEqualTo(1);
    }

    @Test
    void wrongPasswordLeavesTheProviderUnreadyWithOneClearErrorAndItBindsOnceTheSmscAcceptsIt() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.SEVERE.intValue() && r.getMessage() != null) {
                    errors.add(r.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger.getLogger("").addHandler(capture);
        try {
            SmscSimulator smsc = smsc(SmscSettings.defaults().withCredentials("smsc", "right"));
            int port = smsc.port();
            SmppProvider p = provider(SmppSettings.local(port, "smsc", "wrong"));

            await().atMost(Duration.ofSeconds(5)).until(() -> smsc.stats().bindsRefused() >= 4);
            assertThat(p.ready()).isFalse();
            long started = System.nanoTime();
            List<Result> results = send(p, List.of(message("+4915112345678", "Hello")));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
            assertThat(results.get(0).sent()).isFalse();
            assertThat(results.get(0).transientFailure()).isTrue();
            assertThat(results.get(0).error()).isEqualTo(SmppProvider.NO_SESSION);
            // Two sessions, several attempts each: one line for the series.
            assertThat(errors.stream().filter(e -> e.contains("SMSC refused the bind: invalid password (ESME_RINVPASWD)")))
                    .hasSize(1);

            // The SMSC gets the password the worker has (the other way round works the same).
            smsc.close();
            smsc(SmscSettings.defaults().withPort(port).withCredentials("smsc", "wrong"));
            await().atMost(Duration.ofSeconds(5)).until(p::ready);
            assertThat(send(p, List.of(message("+4915112345678", "Hello"))).get(0).sent()).isTrue();
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }
    }

    @Test
    void anSmscDownAtStartIsBoundOnceItComesUp() throws Exception {
        int port = freePort();
        SmppProvider p = provider(SmppSettings.local(port, "smsc", "secret"));

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !p.ready());
        assertThat(p.ready()).isFalse();
        assertThat(send(p, List.of(message("+4915112345678", "early"))).get(0).error())
                .isEqualTo(SmppProvider.NO_SESSION);

        SmscSimulator smsc = smsc(SmscSettings.defaults().withPort(port));
        bound(p);
        assertThat(send(p, List.of(message("+4915112345678", "later"))).get(0).sent()).isTrue();
        assertThat(smsc.timesDelivered("4915112345678", "later")).isEqualTo(1);
        assertThat(smsc.timesDelivered("4915112345678", "early")).isZero();
    }

    @Test
    void droppedSessionsAreBoundAgainAndOnlyMessagesReportedTransientMayGoOutTwice() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults());
        SmppProvider p = bound(provider(settings(smsc)));
        List<QueuedMessage> all = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            all.add(message("+49151" + (1000000 + i), "load " + i));
        }
        Set<UUID> reportedTransient = ConcurrentHashMap.newKeySet();
        Set<UUID> sent = ConcurrentHashMap.newKeySet();
        AtomicInteger drops = new AtomicInteger();

        // The worker's way: batches, and transient failures sent again later, until every message is sent.
        List<QueuedMessage> due = all;
        for (int round = 0; round < 20 && !due.isEmpty(); round++) {
            List<QueuedMessage> again = new ArrayList<>();
            for (int from = 0; from < due.size(); from += 25) {
                List<QueuedMessage> batch = due.subList(from, Math.min(due.size(), from + 25));
                if (round == 0 && from == 100) {
                    Thread dropper = new Thread(() -> {
                        smsc.drop();
                        drops.incrementAndGet();
                    });
                    dropper.start();
                }
                for (Result r : send(p, batch)) {
                    if (r.sent()) {
                        sent.add(r.message().id());
                    } else {
                        assertThat(r.transientFailure()).as(r.error()).isTrue();
                        reportedTransient.add(r.message().id());
                        again.add(r.message());
                    }
                }
            }
            due = again;
            if (!due.isEmpty()) {
                await().atMost(Duration.ofSeconds(5)).until(p::ready);
            }
        }

        assertThat(drops.get()).isEqualTo(1);
        assertThat(reportedTransient).as("the drop hit sends in flight").isNotEmpty();
        assertThat(sent).hasSize(all.size());
        for (QueuedMessage m : all) {
            int times = smsc.timesDelivered(m.to().substring(1), m.content());
            assertThat(times).as(m.content()).isGreaterThanOrEqualTo(1);
            if (!reportedTransient.contains(m.id())) {
                assertThat(times).as("%s was never reported failed, so never sent again", m.content()).isEqualTo(1);
            }
        }
        bound(p);
    }

    @Test
    void anSmscThrottlingUsSlowsUsDownAndEveryMessageStillGoesOut() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults().withTps(10));
        SmppProvider p = bound(provider(settings(smsc)));
        List<QueuedMessage> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(message("+4915112345678", "throttled " + i));
        }

        List<Result> results = send(p, batch);

        assertThat(results).allSatisfy(r -> assertThat(r.sent()).as(r.error()).isTrue());
        assertThat(p.throttledCount()).isPositive();
        assertThat(smsc.stats().throttled()).isPositive();
        assertThat(registry.get("sms.smpp.throttled").counter().count()).isPositive();
        for (QueuedMessage m : batch) {
            assertThat(smsc.timesDelivered("4915112345678", m.content())).isEqualTo(1);
        }
    }

    @Test
    void aThrottlingSmscAndNoTimeLeftGiveTransientFailuresBeforeTheProviderTimeout() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults().withTps(1));
        SmppProvider p = bound(provider(settings(smsc).withBinds(1, 10, 0).withTimeouts(Duration.ofSeconds(1),
                Duration.ofSeconds(2))));
        List<QueuedMessage> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(message("+4915112345678", "slow " + i));
        }

        long started = System.nanoTime();
        List<Result> results = send(p, batch);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        List<Result> failed = results.stream().filter(r -> !r.sent()).toList();
        assertThat(failed).isNotEmpty().allSatisfy(r -> {
            assertThat(r.transientFailure()).isTrue();
            assertThat(r.error()).startsWith("SMSC throttled: ESME_RTHROTTLED (0x00000058)");
            assertThat(r.errorCode()).isEqualTo("0x00000058");
        });
        for (Result r : failed) {
            assertThat(smsc.timesDelivered("4915112345678", r.message().content())).isZero();
        }
    }

    @Test
    void aRejectedDestinationFailsPermanentlyWithTheSmppStatus() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults().withRejectedPrefix("999"));
        SmppProvider p = bound(provider(settings(smsc)));

        List<Result> results = send(p, List.of(message("+99912345", "nope"), message("+4915112345678", "fine")));

        assertThat(results.get(0).sent()).isFalse();
        assertThat(results.get(0).transientFailure()).isFalse();
        assertThat(results.get(0).errorCode()).isEqualTo("0x0000000B");
        assertThat(results.get(0).error()).isEqualTo("SMSC rejected the message: ESME_RINVDSTADR (0x0000000B)");
        assertThat(results.get(1).sent()).isTrue();
    }

    @Test
    void aLongGsmTextGoesAsConcatenatedPartsWithUdhThatTheHandsetPutsTogether() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults());
        SmppProvider p = bound(provider(settings(smsc)));
        String text = "Your invoice of 12.50€ is due. ".repeat(7).substring(0, 200);

        Result r = send(p, List.of(message("+4915112345678", text))).get(0);

        assertThat(r.sent()).isTrue();
        assertThat(r.providerIds()).hasSize(2);
        List<Submitted> parts = smsc.submitted();
        assertThat(parts).hasSize(2).allSatisfy(s -> {
            assertThat(s.dataCoding()).isEqualTo((byte) 0x00);
            assertThat(s.esmClass() & 0x40).isEqualTo(0x40);
        });
        byte[] first = parts.get(0).shortMessage();
        byte[] second = parts.get(1).shortMessage();
        // 05 00 03 <ref> <total> <seq>: the same reference in both, sequence 1 and 2.
        assertThat(HexFormat.of().formatHex(first, 0, 3)).isEqualTo("050003");
        assertThat(first[3]).isEqualTo(second[3]);
        assertThat(new byte[] {first[4], first[5], second[4], second[5]}).containsExactly(2, 1, 2, 2);
        assertThat(parts).extracting(Submitted::messageId).containsExactlyElementsOf(r.providerIds());
        assertThat(smsc.delivered()).singleElement().satisfies(d -> assertThat(d.text()).isEqualTo(text));
        assertThat(smsc.timesDelivered("4915112345678", text)).isEqualTo(1);
    }

    @Test
    void aLongUnicodeTextGoesAsUcs2Parts() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults());
        SmppProvider p = bound(provider(settings(smsc)));
        String text = "Grüße 😀 aus Köln, bis bald! ".repeat(4).substring(0, 100);

        Result r = send(p, List.of(message("+4915112345678", text))).get(0);

        assertThat(r.sent()).isTrue();
        int segments = SmsText.segments(text);
        assertThat(segments).isGreaterThan(1);
        assertThat(r.providerIds()).hasSize(segments);
        assertThat(smsc.submitted()).hasSize(segments).allSatisfy(s -> {
            assertThat(s.dataCoding()).isEqualTo((byte) 0x08);
            assertThat(s.esmClass() & 0x40).isEqualTo(0x40);
            assertThat(HexFormat.of().formatHex(s.shortMessage(), 0, 3)).isEqualTo("050003");
            assertThat(s.shortMessage()[4]).isEqualTo((byte) segments);
        });
        assertThat(smsc.delivered()).singleElement().satisfies(d -> assertThat(d.text()).isEqualTo(text));
    }

    @Test
    void receiptsReachTheSinkUnderTheIdTheSendReturned() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults().withUndeliveredPrefix("4917"));
        SmppProvider p = bound(provider(settings(smsc)));

        List<Result> results = send(p, List.of(message("+4915112345678", "delivered"), message("+4917000", "lost")));

        await().atMost(Duration.ofSeconds(5)).until(() -> receipts.size() == 2);
        assertThat(receipts).anySatisfy(r -> {
            assertThat(r.providerId()).isEqualTo(results.get(0).providerIds().get(0));
            assertThat(r.state()).isEqualTo(ReceiptState.DELIVRD);
            assertThat(r.errorCode()).isNull();
            assertThat(r.doneAt()).isNotNull();
        });
        assertThat(receipts).anySatisfy(r -> {
            assertThat(r.providerId()).isEqualTo(results.get(1).providerIds().get(0));
            assertThat(r.state()).isEqualTo(ReceiptState.UNDELIV);
            assertThat(r.errorCode()).isEqualTo("001");
        });
        assertThat(registry.get("sms.smpp.receipts").tag("state", "DELIVRD").counter().count()).isEqualTo(1);
    }

    @Test
    void receiptIdsInHexAreTurnedIntoTheDecimalIdsOfTheResponses() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults().withIdFormats(IdFormat.DECIMAL, IdFormat.HEX));
        SmppProvider p = bound(provider(settings(smsc).withReceiptIdFormat(ReceiptIdFormat.HEX_TO_DECIMAL)));

        Result r = send(p, List.of(message("+4915112345678", "hex receipt"))).get(0);

        assertThat(r.providerIds().get(0)).matches("[0-9]+");
        await().atMost(Duration.ofSeconds(5)).until(() -> receipts.size() == 1);
        assertThat(receipts.get(0).providerId()).isEqualTo(r.providerIds().get(0));
    }

    @Test
    void decimalIdsInTheReceiptTextAloneAreTurnedIntoTheHexIdsOfTheResponses() throws Exception {
        SmscSimulator smsc = smsc(
                SmscSettings.defaults().withIdFormats(IdFormat.HEX, IdFormat.DECIMAL).withReceiptTlvs(false));
        SmppProvider p = bound(provider(settings(smsc).withReceiptIdFormat(ReceiptIdFormat.DECIMAL_TO_HEX)));

        Result r = send(p, List.of(message("+4915112345678", "decimal receipt"))).get(0);

        await().atMost(Duration.ofSeconds(5)).until(() -> receipts.size() == 1);
        assertThat(receipts.get(0).providerId()).isEqualTo(r.providerIds().get(0));
        assertThat(receipts.get(0).state()).isEqualTo(ReceiptState.DELIVRD);
    }

    @Test
    void aReceiptTheSinkCouldNotStoreIsRefusedAndComesAgain() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults().withReceiptRetry(Duration.ofMillis(100)));
        AtomicInteger failures = new AtomicInteger(2);
        SmppProvider p = new SmppProvider(settings(smsc), got -> {
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("Redis away");
            }
            receipts.addAll(got);
        }, registry);
        p.start();
        open.add(p::stop);
        bound(p);

        Result r = send(p, List.of(message("+4915112345678", "kept"))).get(0);

        await().atMost(Duration.ofSeconds(5)).until(() -> receipts.size() == 1);
        assertThat(receipts.get(0).providerId()).isEqualTo(r.providerIds().get(0));
        // The sink stores the receipt before the provider answers deliver_sm_resp, so the SMSC
        // counts the acknowledgement a moment after the receipt is seen here.
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(smsc.stats().receiptsAcked()).as(smsc.stats().toJson()).isEqualTo(1));
        assertThat(smsc.stats().receiptsFailed()).isEqualTo(2);
    }

    @Test
    void stoppingUnbindsEverySession() throws Exception {
        SmscSimulator smsc = smsc(SmscSettings.defaults());
        SmppProvider p = new SmppProvider(settings(smsc), receipts::addAll, registry);
        p.start();
        bound(p);

        p.stop();

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(smsc.stats().unbinds()).as(smsc.stats().toJson()).isEqualTo(2));
        assertThat(smsc.stats().sessionsBound()).isZero();
        assertThat(p.ready()).isFalse();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> smsc.stats().binds() == 2);
        assertThat(smsc.stats().binds()).as("no bind again after stop").isEqualTo(2);
    }
}
