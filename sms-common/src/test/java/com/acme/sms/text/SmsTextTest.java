package com.acme.sms.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Part counts are billed and parts are reassembled by handsets, so both must match what an SMSC does. */
class SmsTextTest {

    private static final String EMOJI = "\uD83D\uDE00"; // 😀, outside the BMP

    private static String decodeAll(List<SmsText.Part> parts) {
        StringBuilder text = new StringBuilder();
        for (SmsText.Part part : parts) {
            text.append(SmsText.decode(part.shortMessage(), part.encoding().dataCoding(), part.hasUdh()));
        }
        return text.toString();
    }

    private static int payloadUnits(SmsText.Part part) {
        int payload = part.shortMessage().length - (part.hasUdh() ? 6 : 0);
        return part.encoding() == SmsEncoding.UCS2 ? payload / 2 : payload;
    }

    @Test
    void gsm160IsOnePartAnd161IsTwo() {
        TextAnalysis one = SmsText.analyze("a".repeat(160));
        assertThat(one).isEqualTo(new TextAnalysis(SmsEncoding.GSM7, 160, 1, 160, 0, List.of()));
        assertThat(SmsText.parts("a".repeat(160), 7)).singleElement().satisfies(p -> {
            assertThat(p.hasUdh()).isFalse();
            assertThat(p.shortMessage()).hasSize(160);
        });

        TextAnalysis two = SmsText.analyze("a".repeat(161));
        assertThat(two).isEqualTo(new TextAnalysis(SmsEncoding.GSM7, 161, 2, 153, 145, List.of()));
        assertThat(SmsText.parts("a".repeat(161), 7)).extracting(SmsTextTest::payloadUnits).containsExactly(153, 8);
        assertThat(SmsText.segments("a".repeat(161))).isEqualTo(2);
    }

    @Test
    void ucs2SeventyIsOnePartAndSeventyOneIsTwo() {
        assertThat(SmsText.analyze("ж".repeat(70)))
                .isEqualTo(new TextAnalysis(SmsEncoding.UCS2, 70, 1, 70, 0, List.of("ж")));
        assertThat(SmsText.analyze("ж".repeat(71)))
                .isEqualTo(new TextAnalysis(SmsEncoding.UCS2, 71, 2, 67, 63, List.of("ж")));
        assertThat(SmsText.parts("ж".repeat(71), 1)).extracting(SmsTextTest::payloadUnits).containsExactly(67, 4);
    }

    @Test
    void extensionCharactersCountTwoAndTheirEscapeIsNeverSplit() {
        assertThat(SmsText.analyze("€[]{}~^|\\\f").units()).isEqualTo(20);
        assertThat(SmsText.analyze("a".repeat(80) + "€".repeat(40)).segments()).isEqualTo(1);

        String text = "a".repeat(152) + "€" + "b".repeat(10);
        TextAnalysis analysis = SmsText.analyze(text);
        assertThat(analysis.units()).isEqualTo(164);
        assertThat(analysis.segments()).isEqualTo(2);
        assertThat(analysis.leftInLastSegment()).isEqualTo(153 - 12);
        List<SmsText.Part> parts = SmsText.parts(text, 9);
        assertThat(parts).extracting(SmsTextTest::payloadUnits).containsExactly(152, 12);
        byte[] second = parts.get(1).shortMessage();
        assertThat(second[6]).isEqualTo((byte) 0x1B);
        assertThat(second[7]).isEqualTo((byte) 0x65);
        assertThat(parts.get(0).shortMessage()[6 + 151]).isEqualTo((byte) 'a');
    }

    @Test
    void countComesFromSplittingNotFromDividing() {
        // 306 septets would fill exactly two parts of 153, but the escape pairs cannot straddle the boundary.
        String text = "a".repeat(152) + "€" + "a".repeat(152);
        assertThat(SmsText.analyze(text).units()).isEqualTo(306);
        assertThat(SmsText.segments(text)).isEqualTo(3);
        assertThat(SmsText.parts(text, 0)).extracting(SmsTextTest::payloadUnits).containsExactly(152, 153, 1);
    }

    @Test
    void emojiCountsTwoAndItsSurrogatePairIsNeverSplit() {
        assertThat(SmsText.analyze(EMOJI)).isEqualTo(new TextAnalysis(SmsEncoding.UCS2, 2, 1, 70, 68, List.of(EMOJI)));

        String text = "ж".repeat(66) + EMOJI + "ж".repeat(5);
        TextAnalysis analysis = SmsText.analyze(text);
        assertThat(analysis.units()).isEqualTo(73);
        assertThat(analysis.segments()).isEqualTo(2);
        List<SmsText.Part> parts = SmsText.parts(text, 3);
        assertThat(parts).extracting(SmsTextTest::payloadUnits).containsExactly(66, 7);
        assertThat(decodeAll(parts)).isEqualTo(text);
        assertThat(SmsText.decode(parts.get(1).shortMessage(), (byte) 0x08, true)).startsWith(EMOJI);
    }

    @Test
    void udhIsExactlyTheEightBitConcatenationHeader() {
        List<SmsText.Part> parts = SmsText.parts("x".repeat(400), 0xAB);
        assertThat(parts).hasSize(3);
        for (int i = 0; i < 3; i++) {
            SmsText.Part part = parts.get(i);
            assertThat(part.hasUdh()).isTrue();
            assertThat(part.sequence()).isEqualTo(i + 1);
            assertThat(part.total()).isEqualTo(3);
            assertThat(part.encoding()).isEqualTo(SmsEncoding.GSM7);
            assertThat(java.util.Arrays.copyOf(part.shortMessage(), 6))
                    .containsExactly(0x05, 0x00, 0x03, 0xAB, 0x03, i + 1);
        }
        assertThat(parts).extracting(SmsTextTest::payloadUnits).containsExactly(153, 153, 94);
    }

    @Test
    void gsmBytesAreTheUnpackedStandardCodes() {
        byte[] bytes = SmsText.parts("@£$Δ_ÆÉ¤¡ÄÖÑÜ§¿äöñüà\n\r€^{}\\[~]|\f", 0).get(0).shortMessage();
        assertThat(bytes).containsExactly(0x00, 0x01, 0x02, 0x10, 0x11, 0x1C, 0x1F, 0x24, 0x40, 0x5B, 0x5C, 0x5D,
                0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F, 0x0A, 0x0D, 0x1B, 0x65, 0x1B, 0x14, 0x1B, 0x28,
                0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x3C, 0x1B, 0x3D, 0x1B, 0x3E, 0x1B, 0x40, 0x1B, 0x0A);
        assertThat(SmsText.parts("Aa0 ", 0).get(0).shortMessage()).containsExactly(0x41, 0x61, 0x30, 0x20);
    }

    @Test
    void ucs2BytesAreUtf16BigEndian() {
        SmsText.Part part = SmsText.parts("ê" + EMOJI, 0).get(0);
        assertThat(part.encoding().dataCoding()).isEqualTo((byte) 0x08);
        assertThat(part.shortMessage()).containsExactly(0x00, 0xEA, 0xD8, 0x3D, 0xDE, 0x00);
    }

    @Test
    void everyGsmCharacterRoundTrips() {
        String all = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\f^{}\\[~]|€";
        assertThat(all.length()).isEqualTo(127 + 10);
        TextAnalysis analysis = SmsText.analyze(all);
        assertThat(analysis.encoding()).isEqualTo(SmsEncoding.GSM7);
        assertThat(analysis.units()).isEqualTo(127 + 20);
        assertThat(decodeAll(SmsText.parts(all, 0))).isEqualTo(all);
    }

    @Test
    void multiPartTextsRoundTrip() {
        String gsm = "Price: 10€ [sale] {now} ~ ^ | \\ ".repeat(20);
        List<SmsText.Part> gsmParts = SmsText.parts(gsm, 200);
        assertThat(gsmParts).hasSizeGreaterThan(3).allSatisfy(p -> assertThat(p.encoding()).isEqualTo(SmsEncoding.GSM7));
        assertThat(gsmParts).hasSize(SmsText.segments(gsm));
        assertThat(decodeAll(gsmParts)).isEqualTo(gsm);

        String ucs2 = ("Привет " + EMOJI + " 👍🏽 ").repeat(20);
        List<SmsText.Part> ucs2Parts = SmsText.parts(ucs2, 201);
        assertThat(ucs2Parts).hasSize(SmsText.segments(ucs2)).allSatisfy(p -> {
            assertThat(p.encoding()).isEqualTo(SmsEncoding.UCS2);
            assertThat(payloadUnits(p)).isLessThanOrEqualTo(67);
        });
        assertThat(decodeAll(ucs2Parts)).isEqualTo(ucs2);
    }

    @Test
    void nonGsmCharactersAreListedOnceInOrderAsCodePoints() {
        assertThat(SmsText.analyze("café").encoding()).isEqualTo(SmsEncoding.GSM7);
        assertThat(SmsText.analyze("café").nonGsmCharacters()).isEmpty();
        assertThat(SmsText.analyze("crêpe é " + EMOJI + " ê ç " + EMOJI).nonGsmCharacters())
                .containsExactly("ê", EMOJI, "ç");
    }

    @Test
    void tabAndTheBareEscapeForceUcs2() {
        assertThat(SmsText.analyze("a\tb")).isEqualTo(new TextAnalysis(SmsEncoding.UCS2, 3, 1, 70, 67, List.of("\t")));
        assertThat(SmsText.analyze("a\u001Bb").encoding()).isEqualTo(SmsEncoding.UCS2);
    }

    @Test
    void leftInLastSegment() {
        assertThat(SmsText.analyze("hello").leftInLastSegment()).isEqualTo(155);
        assertThat(SmsText.analyze("hello€").leftInLastSegment()).isEqualTo(153);
        assertThat(SmsText.analyze("a".repeat(306)).leftInLastSegment()).isZero();
        assertThat(SmsText.analyze("a".repeat(307))).extracting(TextAnalysis::segments, TextAnalysis::leftInLastSegment)
                .containsExactly(3, 152);
        assertThat(SmsText.analyze("ж" + EMOJI).leftInLastSegment()).isEqualTo(67);
    }

    @Test
    void emptyTextIsOneEmptyGsmPart() {
        assertThat(SmsText.analyze("")).isEqualTo(new TextAnalysis(SmsEncoding.GSM7, 0, 1, 160, 160, List.of()));
        assertThat(SmsText.segments("")).isEqualTo(1);
        assertThat(SmsText.parts("", 0)).singleElement().satisfies(p -> {
            assertThat(p.shortMessage()).isEmpty();
            assertThat(p.hasUdh()).isFalse();
        });
    }

    @Test
    void concatInfoReadsEightAndSixteenBitReferences() {
        SmsText.Part second = SmsText.parts("y".repeat(200), 0xC8).get(1);
        assertThat(SmsText.concatInfo(second.shortMessage())).isEqualTo(new SmsText.Concat(0xC8, 2, 2));

        byte[] sixteen = {0x06, 0x08, 0x04, 0x12, 0x34, 0x05, 0x03, 'h', 'i'};
        assertThat(SmsText.concatInfo(sixteen)).isEqualTo(new SmsText.Concat(0x1234, 5, 3));
        assertThat(SmsText.decode(sixteen, (byte) 0x00, true)).isEqualTo("hi");

        // Another IE (port addressing, 0x05) before the concatenation one.
        byte[] afterPorts = {0x0B, 0x05, 0x04, 0x0B, (byte) 0x84, 0x23, (byte) 0xF0, 0x00, 0x03, 0x01, 0x02, 0x01};
        assertThat(SmsText.concatInfo(afterPorts)).isEqualTo(new SmsText.Concat(1, 2, 1));
    }

    @Test
    void concatInfoIsNullWithoutOne() {
        assertThat(SmsText.concatInfo(new byte[0])).isNull();
        assertThat(SmsText.concatInfo(SmsText.parts("hello", 1).get(0).shortMessage())).isNull();
        assertThat(SmsText.concatInfo(new byte[] {0x05, 0x00, 0x03, 0x01})).as("truncated").isNull();
        assertThat(SmsText.concatInfo(new byte[] {0x05, 0x00, 0x03, 0x01, 0x02, 0x03})).as("sequence > total")
                .isNull();
        assertThat(SmsText.concatInfo(new byte[] {0x04, 0x05, 0x02, 0x0B, (byte) 0x84})).as("ports only").isNull();
    }

    @Test
    void decodeReadsOtherCodingsAndRejectsUnknown() {
        assertThat(SmsText.decode("caf\u00E9".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), (byte) 0x03,
                false)).isEqualTo("café");
        assertThat(SmsText.decode("hi".getBytes(java.nio.charset.StandardCharsets.US_ASCII), (byte) 0x01, false))
                .isEqualTo("hi");
        assertThatThrownBy(() -> SmsText.decode(new byte[] {1}, (byte) 0x04, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmsText.decode(new byte[] {0x05, 0x00}, (byte) 0x00, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void referenceIsOneByteAndTotalFitsOne() {
        assertThatThrownBy(() -> SmsText.parts("hi", 256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmsText.parts("hi", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SmsText.parts("a".repeat(153 * 255), 0)).hasSize(255);
        assertThatThrownBy(() -> SmsText.parts("a".repeat(153 * 255 + 1), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(SmsText.segments("a".repeat(153 * 255 + 1))).isEqualTo(256);
    }
}
