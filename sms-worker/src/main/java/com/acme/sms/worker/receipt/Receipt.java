package com.acme.sms.worker.receipt;

import java.time.Instant;

/**
 * What the carrier reported about one part it took: a delivery receipt.
 *
 * @param providerId the id the provider gave the part when it took it, in the same form as in the send's result
 *     (an SMPP provider converts a receipt's hex or decimal id first, see {@code sms.provider.smpp.receipt-id-format})
 * @param doneAt the receipt's done date (minute precision in SMPP), or null when it had none
 * @param errorCode the receipt's {@code err:} code, or null
 */
public record Receipt(String providerId, ReceiptState state, Instant doneAt, String errorCode) {}
