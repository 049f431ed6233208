package com.acme.sms.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import org.junit.jupiter.api.Test;

/** Keywords and numbers are read in ASCII only; each refused value here was accepted by Java's lenient helpers. */
class AsciiTest {

    @Test
    void keywordsAreAsciiLettersInAnyCaseAndNothingThatFoldsToThem() {
        assertThat(Ascii.type("express")).contains(MessageType.EXPRESS);
        assertThat(Ascii.type("EXPRESS")).contains(MessageType.EXPRESS);
        assertThat(Ascii.status("Sent")).contains(MessageStatus.SENT);
        // U+017F LATIN SMALL LETTER LONG S upper-cases to 'S'; U+212A KELVIN SIGN lower-cases to 'k'
        assertThat("expreſs".equalsIgnoreCase("express")).as("the leniency this class exists for").isTrue();
        assertThat(Ascii.type("expreſs")).isEmpty();
        assertThat(Ascii.status("ſent")).isEmpty();
        assertThat(Ascii.type("normal ")).isEmpty();
        assertThat(Ascii.type("")).isEmpty();
        assertThat(Ascii.type(null)).isEmpty();
    }

    @Test
    void numbersAreAsciiDigitsWithoutSign() {
        assertThat(Ascii.number("42", 10)).hasValue(42);
        assertThat(Ascii.number("0", 1)).hasValue(0);
        assertThat(Integer.parseInt("١")).as("the leniency this class exists for").isEqualTo(1);
        assertThat(Ascii.number("١", 10)).isEmpty();
        assertThat(Ascii.number("１２", 10)).isEmpty(); // fullwidth digits
        assertThat(Ascii.number("+1", 10)).isEmpty();
        assertThat(Ascii.number("-1", 10)).isEmpty();
        assertThat(Ascii.number("12345", 4)).isEmpty();
        assertThat(Ascii.number("", 4)).isEmpty();
        assertThat(Ascii.number(null, 4)).isEmpty();
    }

    @Test
    void flagsAreTrueOrFalse() {
        assertThat(Ascii.flag("true")).contains(true);
        assertThat(Ascii.flag("TRUE")).contains(true);
        assertThat(Ascii.flag("false")).contains(false);
        assertThat(Ascii.flag("1")).isEmpty();
        assertThat(Ascii.flag("yes")).isEmpty();
        assertThat(Ascii.flag("truе")).isEmpty(); // Cyrillic e
    }
}
