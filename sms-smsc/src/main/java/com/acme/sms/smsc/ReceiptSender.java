package com.acme.sms.smsc;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jsmpp.bean.DataCodings;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.MessageType;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the delivery receipt of each accepted part as a deliver_sm, and sends it again, later and later, until the
 * client acknowledges it with a positive deliver_sm_resp: an ESME that could not store the receipt answers with an
 * error (or not at all) and gets it again, as from a real SMSC.
 */
final class ReceiptSender {

    private static final Logger LOG = LoggerFactory.getLogger(ReceiptSender.class);
    // Receipt dates: yyMMddHHmm, in UTC (real SMSCs often use their local time; clients must be told which).
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyMMddHHmm").withZone(ZoneOffset.UTC);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);
    private static final byte STATE_DELIVERED = 2;
    private static final byte STATE_UNDELIVERABLE = 5;

    record Pending(Submitted part, long id, String sessionId, boolean undelivered) {}

    private final SmscSettings settings;
    private final ScheduledExecutorService executor;
    private final Function<String, Optional<SMPPServerSession>> sessions;
    private final SmscSimulator.Counters counters;

    ReceiptSender(SmscSettings settings, ScheduledExecutorService executor,
            Function<String, Optional<SMPPServerSession>> sessions, SmscSimulator.Counters counters) {
        this.settings = settings;
        this.executor = executor;
        this.sessions = sessions;
        this.counters = counters;
    }

    void schedule(Pending receipt) {
        later(receipt, settings.receiptDelay(), settings.receiptRetry());
    }

    private void later(Pending receipt, Duration delay, Duration nextRetry) {
        if (executor.isShutdown()) {
            return;
        }
        try {
            executor.schedule(() -> send(receipt, nextRetry), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closed since the check above: the receipt goes with the SMSC, as with a real one that goes down. Thrown
            // on, it failed the close() of a test that stops an SMSC under load (SmppIT).
        }
    }

    private void send(Pending receipt, Duration retry) {
        Duration next = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        // The session that submitted, or any other bound one: an SMSC routes receipts to the account, not the socket.
        Optional<SMPPServerSession> session = sessions.apply(receipt.sessionId());
        if (session.isEmpty()) {
            later(receipt, retry, next);
            return;
        }
        String text = text(receipt, Instant.now());
        counters.receiptsSent.incrementAndGet();
        try {
            session.get().deliverShortMessage("", TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN,
                    receipt.part().destination(), TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN,
                    receipt.part().source(), new ESMClass(MessageType.SMSC_DEL_RECEIPT.value()), (byte) 0, (byte) 0,
                    new RegisteredDelivery(0), DataCodings.ZERO, text.getBytes(StandardCharsets.ISO_8859_1),
                    tlvs(receipt));
            counters.receiptsAcked.incrementAndGet();
        } catch (NegativeResponseException e) {
            counters.receiptsFailed.incrementAndGet();
            LOG.info("Receipt for {} refused by the client (status 0x{}), resending in {} ms", receipt.part().messageId(),
                    Integer.toHexString(e.getCommandStatus()), retry.toMillis());
            later(receipt, retry, next);
        } catch (Exception e) {
            // No answer in time, or the session died: the client may not have it; send again.
            counters.receiptsFailed.incrementAndGet();
            LOG.info("Receipt for {} not acknowledged ({}), resending in {} ms", receipt.part().messageId(), e.toString(),
                    retry.toMillis());
            later(receipt, retry, next);
        }
    }

    private OptionalParameter[] tlvs(Pending receipt) {
        if (!settings.receiptTlvs()) {
            return new OptionalParameter[0];
        }
        return new OptionalParameter[] {
            new OptionalParameter.Receipted_message_id(settings.receiptIdFormat().format(receipt.id())),
            new OptionalParameter.Message_state(receipt.undelivered() ? STATE_UNDELIVERABLE : STATE_DELIVERED)
        };
    }

    /** The receipt text of SMPP 3.4 appendix B, which most SMSCs send. */
    String text(Pending receipt, Instant done) {
        String submitDate = DATE.format(receipt.part().at());
        String excerpt = receipt.part().text();
        excerpt = excerpt.length() > 20 ? excerpt.substring(0, 20) : excerpt;
        // The receipt goes out in the default alphabet: keep it to printable ASCII rather than guess a charset.
        excerpt = excerpt.replaceAll("[^\\x20-\\x7e]", "?");
        return "id:" + settings.receiptIdFormat().format(receipt.id()) + " sub:001 dlvr:"
                + (receipt.undelivered() ? "000" : "001") + " submit date:" + submitDate + " done date:" + DATE.format(done)
                + " stat:" + (receipt.undelivered() ? "UNDELIV" : "DELIVRD") + " err:"
                + (receipt.undelivered() ? "001" : "000") + " text:" + excerpt;
    }
}
