package com.acme.sms.redis;

import com.acme.sms.message.MessageType;
import java.util.UUID;

/**
 * Every Redis key name the system uses, in one place. Keys of one client carry its id in a hash tag
 * ({@code {...}}), so that a client's balance, idempotency records, refund markers and rate windows share one Redis
 * Cluster slot, as the multi-key scripts require; client ids never contain braces (see
 * {@link com.acme.sms.credit.ClientIds}). The stream keys are the queue names docs/specification.md gives, so tools that watch
 * {@code sms:normal} and {@code sms:express} keep working.
 */
public final class RedisKeys {

    private RedisKeys() {}

    /** A client's live, spendable balance; absent when it is spent. */
    public static String balance(String clientId) {
        return "sms:credit:{" + clientId + "}";
    }

    /** The record of a bulk request sent with an Idempotency-Key (the key is validated to a safe alphabet). */
    public static String idempotency(String clientId, String idempotencyKey) {
        return "sms:idem:{" + clientId + "}:" + idempotencyKey;
    }

    /**
     * Whether a credit ledger entry (a top-up) reached the live balance: {@code 1} added, {@code 0} refused (over the
     * balance limit). Written once by {@code credit_add.lua} and never undone, so the entry is applied at most once.
     */
    public static String creditApplied(String clientId, long ledgerId) {
        return "sms:credit:applied:{" + clientId + "}:" + ledgerId;
    }

    /**
     * Set while a rebuild of the live balances runs: the scripts that charge, move or add credit refuse to run, so
     * nothing moves between the rebuild's reads and its writes.
     */
    public static String rebuildFreeze() {
        return "sms:credit:rebuild";
    }

    /** Marks a failed message as refunded, so that a redelivery never refunds it twice. */
    public static String refundMarker(String clientId, UUID messageId) {
        return "sms:refund:{" + clientId + "}:" + messageId;
    }

    /**
     * Refunds that could not be made because the client's balance key is corrupt (a hash: {@code client:messageId}
     * to the reason). Their markers are set, so a redelivery does not refund again; repairing the balance from
     * PostgreSQL (reconciliation's rebuild) gives the credit back. One key for all clients so operators find it.
     */
    public static String refundsParked() {
        return "sms:refunds:failed";
    }

    /**
     * The numbers a client must not send to, checked by accept.lua. A copy of PostgreSQL's opt_outs rows, complete
     * only when it holds {@link #OPT_OUTS_LOADED}: a set without it (Redis lost its data, or it was never loaded) is
     * loaded from PostgreSQL before the client's next message is accepted.
     */
    public static String optOuts(String clientId) {
        return "sms:optout:{" + clientId + "}";
    }

    /** The member of {@link #optOuts} that says the set is complete; no phone number can equal it. */
    public static final String OPT_OUTS_LOADED = "!loaded";

    /**
     * Scheduled messages of a type not yet due: id to the entry's fields as JSON (the same JSON that waits in
     * {@link #retryKey}, the schedule), so a cancel can find one by its id.
     */
    public static String scheduledIndex(MessageType type) {
        return "sms:scheduled:" + type.wireName();
    }

    /** Scheduled messages of a type that entered their queue in the last hour (id to when), for a late cancel. */
    public static String scheduledQueued(MessageType type) {
        return "sms:scheduled:" + type.wireName() + ":queued";
    }

    /** The client's window counter of requests per second (see {@code rate_limit.lua}). */
    public static String requestsRateKey(String clientId) {
        return "sms:rate:{" + clientId + "}:requests";
    }

    /** The client's window counter of messages of one type queued per second (checked inside accept.lua). */
    public static String messagesRateKey(String clientId, MessageType type) {
        return "sms:rate:{" + clientId + "}:messages:" + type.wireName();
    }

    /** The stream of queued messages of a type, read by that type's workers. */
    public static String stream(MessageType type) {
        return "sms:" + type.wireName();
    }

    /** Messages waiting for a retry: a sorted set scored by due time, moved back into the stream when due. */
    public static String retryKey(MessageType type) {
        return "sms:retry:" + type.wireName();
    }

    /**
     * Messages a worker has handed to the provider and not finished yet: a hash of message id to attempt, written
     * before the send (lua/hand.lua) and removed with the acknowledgement (lua/ack.lua), so a consumer that takes the
     * entry over knows it may already be on its way and does not send it again.
     */
    public static String handed(MessageType type) {
        return "sms:handed:" + type.wireName();
    }

    /** Entries a worker could not process (undecodable, or failing again and again) are moved here for operators. */
    public static String deadLetterKey(MessageType type) {
        return "sms:" + type.wireName() + ":dead";
    }

    /**
     * Failed authentications (wrong admin key, invalid token) from one source address in the current window (see
     * {@code auth_failures.lua}). The address is the one the server saw, or the forwarded one only where
     * {@code quarkus.http.proxy.*} trusts a proxy.
     */
    public static String authFailuresByAddress(String address) {
        return "sms:auth-failures:address:{" + address + "}";
    }

    /** Failed authentications claiming one caller (a token's unverified subject, or the admin key) in the current window. */
    public static String authFailuresByCaller(String callerId) {
        return "sms:auth-failures:caller:{" + callerId + "}";
    }

    /**
     * Delivery receipts as the providers got them, waiting to be applied to PostgreSQL by the workers (group
     * {@code appliers}). A provider acknowledges a receipt to its carrier only once it is here.
     */
    public static String receipts() {
        return "sms:receipts";
    }

    /**
     * Receipts whose message was not found (yet): a receipt can overtake the row of its message. A sorted set scored
     * by when the receipt arrived; retried until {@code sms.receipts.unmatched-retention} has passed.
     */
    public static String unmatchedReceipts() {
        return "sms:receipts:unmatched";
    }

    /**
     * Set while consumption of a queue is paused from the dashboard: workers read no new entries of the stream
     * (see {@link com.acme.sms.queue.QueuePause}). Acceptance goes on; the queue grows.
     */
    public static String paused(MessageType type) {
        return "sms:" + type.wireName() + ":paused";
    }

    /** One step ({@link com.acme.sms.live.LiveCounters#STEP_SECONDS}) of the system-wide live counters. */
    public static String liveStep(long stepStartEpochSecond) {
        return "sms:live:" + stepStartEpochSecond;
    }

    /** The messages each client had accepted in one minute, for the dashboard's top clients. */
    public static String liveTopClients(long epochMinute) {
        return "sms:live:top:" + epochMinute;
    }

    /** Every worker process's last reported status (JSON), by process id, for the dashboard. */
    public static String liveProcesses() {
        return "sms:live:processes";
    }
}
