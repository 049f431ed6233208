package com.acme.sms.worker.send.smpp;

import java.math.BigInteger;
import java.util.Locale;

/**
 * How a receipt's message id relates to the one in the submit_sm_resp. SMPP 3.4 wants them equal, but many SMSCs
 * answer the submit in hex and report the receipt in decimal (or the reverse); receipts must be matched in the
 * submit's form, so they are converted on arrival.
 */
public enum ReceiptIdFormat {
    SAME,
    /** Receipts carry the id in hex, submit_sm_resp in decimal. */
    HEX_TO_DECIMAL,
    /** Receipts carry the id in decimal, submit_sm_resp in hex (lower case). */
    DECIMAL_TO_HEX;

    /** The id in the submit_sm_resp's form; an id that does not parse in the expected base is kept as it is. */
    public String toSubmitForm(String receiptId) {
        String id = receiptId.trim();
        try {
            return switch (this) {
                case SAME -> id;
                case HEX_TO_DECIMAL -> new BigInteger(id, 16).toString();
                case DECIMAL_TO_HEX -> new BigInteger(id, 10).toString(16).toLowerCase(Locale.ROOT);
            };
        } catch (NumberFormatException e) {
            return id;
        }
    }
}
