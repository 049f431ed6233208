package com.acme.sms.worker.inbound;

import com.acme.sms.optout.OptOuts;
import com.acme.sms.text.SmsText;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jsmpp.SMPPConstant;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.extra.ProcessRequestException;

/**
 * Mobile-originated messages (a handset texting one of the platform's senders): a stop keyword
 * ({@link StopKeywords}) opts the number out of every client that has sent from that sender ({@code client_senders},
 * filled as the workers persist messages). Anything else is acknowledged and counted; the platform keeps no inbox.
 *
 * <p>
 * An opt-out is acknowledged only once stored in PostgreSQL and Redis ({@link OptOuts#add}): if either is away, the
 * deliver_sm_resp carries ESME_RX_T_APPN and the SMSC sends the message again, so a STOP is never lost between the
 * SMSC and the store. Storing again is harmless (a number already opted out stays as first recorded), so a resend
 * after a partial success, some clients stored and not others, completes it. Runs on jSMPP's PDU threads (blocking
 * calls are fine there, as for receipts).
 *
 * <p>
 * Counted in {@code sms.inbound.messages} by {@code kind}: {@value #STOP} (opted out of at least one client),
 * {@value #UNKNOWN_SENDER} (a stop keyword to a sender no client has sent from), {@value #OTHER} (not a stop keyword),
 * {@value #UNREADABLE} (addresses or text the worker cannot read; logged). Refusals, resent by the SMSC and counted
 * again when they pass, go to {@code sms.inbound.refused}.
 */
@ApplicationScoped
public class MobileOriginatedHandler implements MobileOriginatedSink {

    static final String STOP = "stop";
    static final String UNKNOWN_SENDER = "unknown_sender";
    static final String OTHER = "other";
    static final String UNREADABLE = "unreadable";

    private static final byte UDHI = 0x40;

    private final OptOuts optOuts;
    private final Map<String, Counter> kinds = new LinkedHashMap<>();
    private final Counter refused;

    public MobileOriginatedHandler(OptOuts optOuts, MeterRegistry registry) {
        this.optOuts = optOuts;
        // Every kind exists from the first scrape (at 0), as with the worker's other counters.
        for (String kind : List.of(STOP, UNKNOWN_SENDER, OTHER, UNREADABLE)) {
            kinds.put(kind, Counter.builder("sms.inbound.messages")
                    .description("Mobile-originated messages taken from the SMSC, by what they were").tag("kind", kind)
                    .register(registry));
        }
        refused = Counter.builder("sms.inbound.refused")
                .description("Mobile-originated stop messages refused with ESME_RX_T_APPN because the opt-out could "
                        + "not be stored (the SMSC sends them again)")
                .register(registry);
    }

    @Override
    public void accept(DeliverSm mo) throws ProcessRequestException {
        Optional<String> number = InboundAddresses.handset(mo.getSourceAddr(), mo.getSourceAddrTon());
        List<String> senders = InboundAddresses.senders(mo.getDestAddress(), mo.getDestAddrTon());
        if (number.isEmpty() || senders.isEmpty()) {
            // Acknowledged, not refused: the SMSC would send the same addresses again, forever.
            Log.warnf("Mobile-originated message with an unreadable address acknowledged and dropped: from %s (TON %d)"
                    + " to %s (TON %d)", mo.getSourceAddr(), mo.getSourceAddrTon(), mo.getDestAddress(),
                    mo.getDestAddrTon());
            count(UNREADABLE);
            return;
        }
        if ((mo.getEsmClass() & UDHI) != 0) {
            // A part of a concatenated message: the whole is longer than one part, so it cannot be a lone keyword.
            count(OTHER);
            return;
        }
        String text;
        try {
            text = SmsText.decode(body(mo), mo.getDataCoding(), false);
        } catch (IllegalArgumentException e) {
            Log.warnf("Mobile-originated message to %s acknowledged and dropped: %s", mo.getDestAddress(),
                    e.getMessage());
            count(UNREADABLE);
            return;
        }
        Optional<String> keyword = StopKeywords.match(text);
        if (keyword.isEmpty()) {
            count(OTHER);
            return;
        }
        int clients = optOut(number.get(), senders, keyword.get());
        count(clients > 0 ? STOP : UNKNOWN_SENDER);
    }

    /** Opts the number out of every client of the sender; returns how many clients that concerned. */
    private int optOut(String number, List<String> senders, String keyword) throws ProcessRequestException {
        String to = String.join(" or ", senders);
        try {
            // Client -> the sender it used; a client that used both forms of an ambiguous address is opted out once.
            Map<String, String> clients = new LinkedHashMap<>();
            for (String sender : senders) {
                optOuts.clientsOfSender(sender).forEach(c -> clients.putIfAbsent(c, sender));
            }
            if (clients.isEmpty()) {
                // Not stored: no client could send to the number from this sender, so there is no one to opt out of.
                Log.infof("%s to %s, a sender no client has sent from: acknowledged, nothing to opt out of", keyword, to);
                return 0;
            }
            int added = 0;
            for (Map.Entry<String, String> c : clients.entrySet()) {
                if (optOuts.add(c.getKey(), number, OptOuts.Source.INBOUND, keyword, c.getValue())) {
                    added++;
                }
            }
            Log.infof("%s to %s: number opted out of %d client(s) (%d newly)", keyword, to, clients.size(), added);
            return clients.size();
        } catch (RuntimeException e) {
            refused.increment();
            Log.warnf("%s to %s not stored (%s); the SMSC is asked to send it again", keyword, to, e.toString());
            throw new ProcessRequestException("opt-out not stored", SMPPConstant.STAT_ESME_RX_T_APPN, e);
        }
    }

    /** short_message, or the message_payload TLV that carries a text too long for it (then short_message is empty). */
    private static byte[] body(DeliverSm mo) {
        byte[] shortMessage = mo.getShortMessage();
        if (shortMessage != null && shortMessage.length > 0) {
            return shortMessage;
        }
        OptionalParameter.Message_payload payload = mo.getOptionalParameter(OptionalParameter.Message_payload.class);
        return payload != null && payload.getValue() != null ? payload.getValue() : new byte[0];
    }

    private void count(String kind) {
        kinds.get(kind).increment();
    }
}
