package com.acme.sms.worker.inbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The addresses of a mobile-originated deliver_sm in the forms the platform stores. SMPP carries numbers without
 * their '+': an international number is its digits with TON international (1), and many SMSCs send it with TON
 * unknown (0) just the same.
 */
final class InboundAddresses {

    static final byte TON_UNKNOWN = 0;
    static final byte TON_INTERNATIONAL = 1;
    static final byte TON_ALPHANUMERIC = 5;

    /** E.164 as the API takes a recipient: '+' and 8 to 15 digits. */
    private static final Pattern INTERNATIONAL = Pattern.compile("\\+?([0-9]{8,15})");
    /** A sender id without '+' (API: 1 to 11 letters or digits), which the provider submits as it is. */
    private static final Pattern SENDER_ID = Pattern.compile("[A-Za-z0-9]{1,11}");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    private InboundAddresses() {}

    /**
     * The handset's number in E.164 ({@code +4915112345678}), as {@code messages.to_number} and {@code opt_outs.number}
     * hold it; empty when the address cannot be one: a national or subscriber number (TON 2, 4) lacks the country
     * code, and guessing it could opt out someone else.
     */
    static Optional<String> handset(String sourceAddr, byte ton) {
        if (sourceAddr == null || (ton != TON_INTERNATIONAL && ton != TON_UNKNOWN)) {
            return Optional.empty();
        }
        var m = INTERNATIONAL.matcher(sourceAddr.strip());
        return m.matches() ? Optional.of("+" + m.group(1)) : Optional.empty();
    }

    /**
     * The forms of {@code messages.from_number} the provider could have submitted as this address (it drops the '+'
     * of a numeric from, see {@code SmppProvider.request}). Digits alone are ambiguous: {@code 12345678} came from
     * either the sender id "12345678" or the number "+12345678", so both are returned and looked up. An alphanumeric
     * id (TON 5, or any address with letters) is taken as it is. Empty when no stored sender can have produced it.
     */
    static List<String> senders(String destAddr, byte ton) {
        List<String> forms = new ArrayList<>(2);
        if (destAddr == null) {
            return forms;
        }
        String a = destAddr.strip();
        if (ton == TON_ALPHANUMERIC || !DIGITS.matcher(a.startsWith("+") ? a.substring(1) : a).matches()) {
            if (SENDER_ID.matcher(a).matches()) {
                forms.add(a);
            }
            return forms;
        }
        var m = INTERNATIONAL.matcher(a);
        if (m.matches()) {
            forms.add("+" + m.group(1));
        }
        if (SENDER_ID.matcher(a).matches()) {
            forms.add(a);
        }
        return forms;
    }
}
