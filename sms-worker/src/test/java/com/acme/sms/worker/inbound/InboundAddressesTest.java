package com.acme.sms.worker.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The addresses of a deliver_sm turned back into the forms the API stores. */
class InboundAddressesTest {

    @Test
    void theHandsetIsE164FromInternationalOrUnknownTonDigits() {
        assertThat(InboundAddresses.handset("4915112345678", (byte) 1)).contains("+4915112345678");
        assertThat(InboundAddresses.handset("+4915112345678", (byte) 0)).contains("+4915112345678");
        // National (2) and subscriber (4) numbers lack the country code: no guess.
        assertThat(InboundAddresses.handset("015112345678", (byte) 2)).isEmpty();
        assertThat(InboundAddresses.handset("12345", (byte) 1)).isEmpty();
        assertThat(InboundAddresses.handset("Acme", (byte) 5)).isEmpty();
        assertThat(InboundAddresses.handset(null, (byte) 1)).isEmpty();
    }

    @Test
    void theSenderIsWhatTheProviderSubmittedInverted() {
        assertThat(InboundAddresses.senders("Acme", (byte) 5)).containsExactly("Acme");
        assertThat(InboundAddresses.senders("Acme", (byte) 0)).containsExactly("Acme");
        // A numeric from loses its '+' on the way out: 8 to 11 digits may have been either.
        assertThat(InboundAddresses.senders("4915112345678", (byte) 1)).containsExactly("+4915112345678");
        assertThat(InboundAddresses.senders("12345678", (byte) 1)).containsExactly("+12345678", "12345678");
        assertThat(InboundAddresses.senders("12345", (byte) 1)).containsExactly("12345");
        assertThat(InboundAddresses.senders("12345", (byte) 5)).containsExactly("12345");
        assertThat(InboundAddresses.senders("Acme Corp Limited", (byte) 5)).isEmpty();
        assertThat(InboundAddresses.senders("", (byte) 0)).isEmpty();
    }
}
