package com.acme.sms.worker.receipt;

import java.util.Locale;
import java.util.Optional;

/** The {@code stat:} of a delivery receipt (SMPP 3.4 appendix B), as SMSCs send it. */
public enum ReceiptState {
    DELIVRD,
    UNDELIV,
    EXPIRED,
    REJECTD,
    DELETED,
    UNKNOWN,
    ACCEPTD,
    ENROUTE;

    /** Whether the handset's fate is known: intermediate states (en route, accepted) change nothing. */
    public boolean isFinal() {
        return this != ACCEPTD && this != ENROUTE;
    }

    public boolean delivered() {
        return this == DELIVRD;
    }

    /** Parses the receipt's {@code stat:} text; SMSCs also send the long forms (DELIVERED, UNDELIVERABLE, ...). */
    public static Optional<ReceiptState> parse(String stat) {
        if (stat == null) {
            return Optional.empty();
        }
        String s = stat.trim().toUpperCase(Locale.ROOT);
        for (ReceiptState state : values()) {
            if (state.name().equals(s)) {
                return Optional.of(state);
            }
        }
        return Optional.ofNullable(switch (s) {
            case "DELIVERED" -> DELIVRD;
            case "UNDELIVERABLE" -> UNDELIV;
            case "REJECTED" -> REJECTD;
            case "ACCEPTED" -> ACCEPTD;
            case "ENROUTE", "EN_ROUTE" -> ENROUTE;
            default -> null;
        });
    }
}
