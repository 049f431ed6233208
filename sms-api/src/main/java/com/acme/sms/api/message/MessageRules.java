package com.acme.sms.api.message;

import java.util.regex.Pattern;

/** Validation of one message; a message that fails is rejected alone while the rest of the request goes on. */
public final class MessageRules {

    public static final int MAX_CONTENT = 1600;
    /** The shape alone, in ASCII digits; {@link PhoneNumbers} then asks whether a numbering plan can hold it. */
    private static final Pattern E164 = Pattern.compile("\\+[0-9]{8,15}");
    /** ASCII only: no look-alike letters, controls or bidirectional overrides can make one sender pass for another. */
    private static final Pattern ALPHANUMERIC_SENDER = Pattern.compile("[A-Za-z0-9]{1,11}");

    private MessageRules() {}

    /** A rejection: the reason code and a human-readable detail. */
    public record Violation(String reason, String detail) {}

    /**
     * Why a recipient number is refused, or null when it is a canonical E.164 number some numbering plan can hold
     * (the same rule as a message's {@code to}, so an opt-out is stored exactly as messages name the number).
     */
    public static String numberProblem(String number) {
        if (number == null || !E164.matcher(number).matches()) {
            return "it must be an E.164 number: '+' followed by 8 to 15 digits";
        }
        return PhoneNumbers.problem(number);
    }

    public static Violation check(MessageDraft m) {
        if (m == null) {
            return new Violation("invalid_message", "the message is null; send an object with to, from and content");
        }
        if (m.to() == null || !E164.matcher(m.to()).matches()) {
            return new Violation("invalid_to", "'to' must be an E.164 number: '+' followed by 8 to 15 digits");
        }
        String toProblem = PhoneNumbers.problem(m.to());
        if (toProblem != null) {
            return new Violation("invalid_number", "'to' is no phone number: " + toProblem);
        }
        if (m.from() == null || !(ALPHANUMERIC_SENDER.matcher(m.from()).matches() || E164.matcher(m.from()).matches())) {
            return new Violation("invalid_from", "'from' must be 1 to 11 letters or digits, or an E.164 number");
        }
        if (m.from().startsWith("+")) {
            String fromProblem = PhoneNumbers.problem(m.from());
            if (fromProblem != null) {
                return new Violation("invalid_from", "'from' is no phone number: " + fromProblem);
            }
        }
        if (m.content() == null) {
            return new Violation("invalid_content", "'content' is required");
        }
        String problem = TextRules.checkText(m.content(), 1, MAX_CONTENT);
        if (problem != null) {
            return new Violation("invalid_content", "'content' must be 1 to " + MAX_CONTENT + " characters, but " + problem);
        }
        return null;
    }
}
