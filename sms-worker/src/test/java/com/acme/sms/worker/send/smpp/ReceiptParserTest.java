package com.acme.sms.worker.send.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.worker.receipt.Receipt;
import com.acme.sms.worker.receipt.ReceiptState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReceiptParserTest {

    private static Optional<Receipt> parse(String text, String tlvId, Byte tlvState, ReceiptIdFormat format) {
        return ReceiptParser.parse(text.getBytes(StandardCharsets.ISO_8859_1), tlvId, tlvState, format);
    }

    @Test
    void theStandardTextGivesIdStateDoneDateAndError() {
        Receipt r = parse("id:1a2b sub:001 dlvr:000 submit date:2612041455 done date:2612041456 stat:UNDELIV err:034 "
                + "text:Hello", null, null, ReceiptIdFormat.SAME).orElseThrow();

        assertThat(r).isEqualTo(new Receipt("1a2b", ReceiptState.UNDELIV, Instant.parse("2026-12-04T14:56:00Z"), "034"));
    }

    @Test
    void casesSpacingSecondsAndFieldOrderVary() {
        Receipt r = parse("ID: 12345 SUB:001 DLVR:001 DONE DATE:261204145607 STAT: delivered ERR:000 SUBMIT DATE:2612041455",
                null, null, ReceiptIdFormat.SAME).orElseThrow();

        assertThat(r.providerId()).isEqualTo("12345");
        assertThat(r.state()).isEqualTo(ReceiptState.DELIVRD);
        assertThat(r.doneAt()).isEqualTo(Instant.parse("2026-12-04T14:56:07Z"));
        assertThat(r.errorCode()).as("err:000 is no error").isNull();
    }

    @Test
    void theQuotedTextCannotFakeFields() {
        Receipt r = parse("id:77 stat:DELIVRD err:000 text:id:99 stat:REJECTD err:123", null, null, ReceiptIdFormat.SAME)
                .orElseThrow();

        assertThat(r.providerId()).isEqualTo("77");
        assertThat(r.state()).isEqualTo(ReceiptState.DELIVRD);
        assertThat(r.errorCode()).isNull();
    }

    @Test
    void theTlvsWinOverAndStandInForTheText() {
        assertThat(parse("id:255 stat:DELIVRD", "ff", null, ReceiptIdFormat.SAME).orElseThrow().providerId())
                .isEqualTo("ff");
        assertThat(parse("", "ff", (byte) 5, ReceiptIdFormat.SAME).orElseThrow().state()).isEqualTo(ReceiptState.UNDELIV);
    }

    @Test
    void idsAreTurnedIntoTheFormOfTheSubmitResponse() {
        assertThat(parse("id:255 stat:DELIVRD", null, null, ReceiptIdFormat.DECIMAL_TO_HEX).orElseThrow().providerId())
                .isEqualTo("ff");
        assertThat(parse("id:FF stat:DELIVRD", null, null, ReceiptIdFormat.HEX_TO_DECIMAL).orElseThrow().providerId())
                .isEqualTo("255");
        assertThat(ReceiptIdFormat.DECIMAL_TO_HEX.toSubmitForm("not-a-number")).isEqualTo("not-a-number");
        assertThat(ReceiptIdFormat.HEX_TO_DECIMAL.toSubmitForm("ffffffffffffffffff"))
                .isEqualTo("4722366482869645213695");
    }

    @Test
    void withoutIdOrStateThereIsNoReceipt() {
        assertThat(parse("stat:DELIVRD err:000", null, null, ReceiptIdFormat.SAME)).isEmpty();
        assertThat(parse("id:1 err:000", null, null, ReceiptIdFormat.SAME)).isEmpty();
        assertThat(parse("id:1 stat:WHATEVER", null, null, ReceiptIdFormat.SAME)).isEmpty();
        assertThat(ReceiptParser.parse(null, null, null, ReceiptIdFormat.SAME)).isEmpty();
    }
}
