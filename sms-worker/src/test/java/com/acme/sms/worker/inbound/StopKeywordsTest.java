package com.acme.sms.worker.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole text, trimmed, is a keyword in any ASCII case; nothing else is. */
class StopKeywordsTest {

    @ParameterizedTest
    @ValueSource(strings = {"STOP", "UNSUBSCRIBE", "END", "QUIT", "STOPALL", "CANCEL", "OPTOUT"})
    void eachKeywordInAnyAsciiCaseAndWithSurroundingWhitespace(String keyword) {
        assertThat(StopKeywords.match(keyword)).contains(keyword);
        assertThat(StopKeywords.match(keyword.toLowerCase(java.util.Locale.ROOT))).contains(keyword);
        String mixed = keyword.charAt(0) + keyword.substring(1).toLowerCase(java.util.Locale.ROOT);
        assertThat(StopKeywords.match(mixed)).contains(keyword);
        assertThat(StopKeywords.match("  " + mixed + " \n")).contains(keyword);
        assertThat(StopKeywords.match("\t" + keyword + "\r\n")).contains(keyword);
        assertThat(StopKeywords.match("\u00a0" + keyword + "\u3000")).contains(keyword);
    }

    @ParameterizedTest
    // U+017F (long s) folds to 's', U+0131 (dotless i) upper-cases to 'I', U+0130 (dotted capital I) lower-cases to
    // 'i', U+212A (Kelvin sign) to 'k'; fullwidth and Cyrillic letters only look alike.
    @ValueSource(strings = {"ſTOP", "ſtop", "quıt", "QUİT", "\uFF33\uFF34\uFF2F\uFF30", "\u0405TOP", "STOP please",
        "please stop", "STOP!", "S TOP", "STOPP", "STO", "", " ", "STOP\u0000", "unsubscribe me", "opt out",
        "OPT-OUT"})
    void nothingElseIsOne(String text) {
        assertThat(StopKeywords.match(text)).isEmpty();
    }

    @Test
    void theFoldingJavaWouldDoIsRefused() {
        assertThat("ſTOP".equalsIgnoreCase("STOP")).as("the leniency refused here").isTrue();
        assertThat("quıt".equalsIgnoreCase("QUIT")).as("the leniency refused here").isTrue();
        assertThat(StopKeywords.match("ſTOP")).isEmpty();
        assertThat(StopKeywords.match("quıt")).isEmpty();
        assertThat(StopKeywords.match(null)).isEmpty();
    }
}
