package com.acme.sms.worker.send.smpp;

import com.acme.sms.worker.receipt.Receipt;
import com.acme.sms.worker.receipt.ReceiptState;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a delivery receipt (deliver_sm with the SMSC delivery receipt bit) into a {@link Receipt}. SMSCs write the
 * SMPP 3.4 appendix B text each a little differently (case, spacing, field order, seconds in the dates), so fields
 * are found by key, and only in the part before {@code text:}, which quotes the message and may contain anything.
 * The receipted_message_id and message_state TLVs win over the text when present. Dates are read as UTC.
 */
final class ReceiptParser {

    private static final Pattern TEXT = Pattern.compile("(?i)\\btext:");
    private static final Pattern ID = Pattern.compile("(?i)(?:^|\\s)id:\\s*(\\S+)");
    private static final Pattern STAT = Pattern.compile("(?i)\\bstat:\\s*(\\w+)");
    private static final Pattern ERR = Pattern.compile("(?i)\\berr:\\s*(\\w+)");
    private static final Pattern DONE = Pattern.compile("(?i)\\bdone[ _]?date:\\s*(\\d{10,12})");
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyMMddHHmm");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyMMddHHmmss");

    private ReceiptParser() {}

    /**
     * @param tlvId the receipted_message_id TLV, or null
     * @param tlvState the message_state TLV, or null
     * @return empty when the receipt names no id or no state
     */
    static Optional<Receipt> parse(byte[] shortMessage, String tlvId, Byte tlvState, ReceiptIdFormat idFormat) {
        String text = shortMessage == null ? "" : new String(shortMessage, StandardCharsets.ISO_8859_1);
        Matcher quoted = TEXT.matcher(text);
        String fields = quoted.find() ? text.substring(0, quoted.start()) : text;

        String id = tlvId != null && !tlvId.isBlank() ? tlvId.trim() : find(ID, fields);
        ReceiptState state = Optional.ofNullable(find(STAT, fields)).flatMap(ReceiptState::parse)
                .orElseGet(() -> tlvState == null ? null : state(tlvState));
        if (id == null || state == null) {
            return Optional.empty();
        }
        String err = find(ERR, fields);
        // err:000 means "no error"; the stored error code is for failures.
        if (err != null && err.chars().allMatch(c -> c == '0')) {
            err = null;
        }
        return Optional.of(new Receipt(idFormat.toSubmitForm(id), state, doneAt(find(DONE, fields)), err));
    }

    private static String find(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : null;
    }

    private static java.time.Instant doneAt(String date) {
        if (date == null) {
            return null;
        }
        try {
            LocalDateTime t = LocalDateTime.parse(date, date.length() == 12 ? SECONDS : MINUTES);
            return t.toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The message_state TLV (SMPP 3.4 5.3.2.35). */
    private static ReceiptState state(byte value) {
        return switch (value) {
            case 1 -> ReceiptState.ENROUTE;
            case 2 -> ReceiptState.DELIVRD;
            case 3 -> ReceiptState.EXPIRED;
            case 4 -> ReceiptState.DELETED;
            case 5 -> ReceiptState.UNDELIV;
            case 6 -> ReceiptState.ACCEPTD;
            case 7 -> ReceiptState.UNKNOWN;
            case 8 -> ReceiptState.REJECTD;
            default -> null;
        };
    }
}
