package com.acme.sms.worker.send.smpp;

import java.time.Duration;

/**
 * The SMPP provider's settings as one value: from {@link SmppConfig} and the provider timeout in the app, built
 * directly in tests.
 *
 * @param providerTimeout how long the worker waits for one batch's results ({@code sms.provider.timeout}); every send
 *     answers before it
 */
public record SmppSettings(String host, int port, String systemId, String password, String systemType, int binds,
        int window, int throughput, int sourceTon, int sourceNpi, int destTon, int destNpi, Duration enquireLink,
        ReceiptIdFormat receiptIdFormat, Duration reconnectInitial, Duration reconnectMax, Duration responseTimeout,
        Duration providerTimeout) {

    public static SmppSettings from(SmppConfig c, Duration providerTimeout) {
        return new SmppSettings(c.host(), c.port(), c.systemId().orElse(""), c.password().orElse(""),
                c.systemType().orElse(""), c.binds(), c.window(), c.throughput(), c.sourceTon(), c.sourceNpi(),
                c.destTon(), c.destNpi(), c.enquireLink(), c.receiptIdFormat(), c.reconnectInitial(), c.reconnectMax(),
                c.responseTimeout(), providerTimeout);
    }

    /** Tests: a local SMSC, short timeouts. */
    public static SmppSettings local(int port, String systemId, String password) {
        return new SmppSettings("127.0.0.1", port, systemId, password, "", 2, 10, 0, 1, 1, 1, 1, Duration.ofSeconds(30),
                ReceiptIdFormat.SAME, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(5));
    }

    public SmppSettings withPassword(String p) {
        return new SmppSettings(host, port, systemId, p, systemType, binds, window, throughput, sourceTon, sourceNpi,
                destTon, destNpi, enquireLink, receiptIdFormat, reconnectInitial, reconnectMax, responseTimeout,
                providerTimeout);
    }

    public SmppSettings withBinds(int b, int w, int tps) {
        return new SmppSettings(host, port, systemId, password, systemType, b, w, tps, sourceTon, sourceNpi, destTon,
                destNpi, enquireLink, receiptIdFormat, reconnectInitial, reconnectMax, responseTimeout, providerTimeout);
    }

    public SmppSettings withReceiptIdFormat(ReceiptIdFormat f) {
        return new SmppSettings(host, port, systemId, password, systemType, binds, window, throughput, sourceTon,
                sourceNpi, destTon, destNpi, enquireLink, f, reconnectInitial, reconnectMax, responseTimeout,
                providerTimeout);
    }

    public SmppSettings withTimeouts(Duration response, Duration provider) {
        return new SmppSettings(host, port, systemId, password, systemType, binds, window, throughput, sourceTon,
                sourceNpi, destTon, destNpi, enquireLink, receiptIdFormat, reconnectInitial, reconnectMax, response,
                provider);
    }
}
