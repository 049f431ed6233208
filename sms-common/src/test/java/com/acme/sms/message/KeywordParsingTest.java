package com.acme.sms.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Types and statuses are read ignoring the case of ASCII letters, and of nothing else. */
class KeywordParsingTest {

    @Test
    void asciiCaseIsIgnored() {
        assertThat(MessageType.parse("EXPRESS")).contains(MessageType.EXPRESS);
        assertThat(MessageType.parse("Normal")).contains(MessageType.NORMAL);
        assertThat(MessageStatus.parse("sEnT")).contains(MessageStatus.SENT);
        assertThat(MessageStatus.parse("failed")).contains(MessageStatus.FAILED);
    }

    @ParameterizedTest
    // U+017F (long s) folds to 's' and U+212A (Kelvin sign) to 'k' under String.equalsIgnoreCase; U+0131 (dotless i)
    // upper-cases to 'I'.
    @ValueSource(strings = {"expreſs", "\u017Fent", "fa\u0131led", "queued\u0000", "", " sent", "sent "})
    void nothingElseFolds(String value) {
        assertThat(MessageType.parse(value)).isEmpty();
        assertThat(MessageStatus.parse(value)).isEmpty();
    }

    @Test
    void theFoldingJavaWouldDoIsRefused() {
        assertThat("expreſs".equalsIgnoreCase("EXPRESS")).as("the leniency refused here").isTrue();
        assertThat(MessageType.parse("expreſs")).isEmpty();
        assertThat(MessageStatus.parse("ſent")).isEmpty();
        assertThat(MessageStatus.parse("faıled")).isEmpty();
    }
}
