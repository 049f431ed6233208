package com.acme.sms.worker.send.smpp;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The SMSC the workers send through when {@code sms.provider.kind=smpp}. */
@ConfigMapping(prefix = "sms.provider.smpp")
public interface SmppConfig {

    @WithDefault("localhost")
    String host();

    @WithDefault("2775")
    int port();

    /** The account at the SMSC; required with kind smpp (the worker stays unready without it). */
    Optional<String> systemId();

    Optional<String> password();

    /** Some SMSCs route or bill by it; most want it empty. */
    Optional<String> systemType();

    /** Transceiver sessions per worker process; each sends and takes receipts. */
    @WithDefault("2")
    int binds();

    /** submit_sm in flight per session (sent, answer not yet in); what the SMSC allows, often 10. */
    @WithDefault("10")
    int window();

    /** submit_sm per second per session, as agreed with the carrier (0: no cap; the SMSC's throttling still slows us). */
    @WithDefault("0")
    int throughput();

    /** TON and NPI of a numeric sender (an alphanumeric one always goes as TON 5, NPI 0). */
    @WithDefault("1")
    int sourceTon();

    @WithDefault("1")
    int sourceNpi();

    /** TON and NPI of the recipient: 1/1, international E.164 without the '+'. */
    @WithDefault("1")
    int destTon();

    @WithDefault("1")
    int destNpi();

    /** An idle session sends enquire_link this often; no answer closes it, and it is bound again. */
    @WithDefault("30s")
    Duration enquireLink();

    /**
     * How a receipt's message id turns into the submit_sm_resp's form (Kannel's msg-id-type): {@code same},
     * {@code hex-to-decimal} (receipts in hex, responses in decimal) or {@code decimal-to-hex} (the usual quirk:
     * responses in hex, receipts in decimal).
     */
    @WithDefault("same")
    ReceiptIdFormat receiptIdFormat();

    /** The first pause before binding again after a failed bind or a lost session; doubles up to reconnect-max. */
    @WithDefault("1s")
    Duration reconnectInitial();

    @WithDefault("30s")
    Duration reconnectMax();

    /**
     * How long a submit_sm (and a bind) waits for its answer. A submit_sm without one fails transiently: the SMSC may
     * have taken it, so the message may be sent twice when it is retried.
     */
    @WithDefault("5s")
    Duration responseTimeout();
}
