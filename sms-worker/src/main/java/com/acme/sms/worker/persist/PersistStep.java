package com.acme.sms.worker.persist;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The persist step: reads what PostgreSQL already holds of a batch and writes the batch's outcomes (through
 * {@link MessageStore}), holding on to the batch while PostgreSQL is away, since nothing may be acknowledged
 * before its outcome is committed.
 *
 * <p>A write PostgreSQL refuses for the rows' data ({@link SqlFailures.Kind#DATA_REFUSED}) would fail on every
 * try: the batch is split in halves until the refused messages are alone, the others are written, and each refused
 * message is recorded {@code failed} with the reason (its text fields made storable), to be refunded and
 * dead-lettered like any other poison.
 */
@ApplicationScoped
public class PersistStep {

    /** The longest phone number column (to_number, from_number varchar(16)). */
    static final int NUMBER_COLUMN = 16;

    /**
     * What a write left in PostgreSQL: rows this write changed, the status of the others (written before), and the
     * messages PostgreSQL refused, with the reason their {@code failed} row carries.
     */
    public record Persisted(Set<UUID> written, Map<UUID, MessageStatus> statusWrittenElsewhere, Map<UUID, String> refused) {}

    private final MessageStore store;
    private final ClientSenders senders;

    public PersistStep(MessageStore store, ClientSenders senders) {
        this.store = store;
        this.senders = senders;
    }

    /** What PostgreSQL holds of those of the messages that have a row. */
    public Map<UUID, MessageStore.Saved> saved(Collection<UUID> ids, BooleanSupplier keepTrying) throws InterruptedException {
        return ids.isEmpty() ? Map.of() : withRetry(() -> store.saved(ids), keepTrying);
    }

    /**
     * Writes the outcomes in one transaction. A row another consumer moved on first is not changed; the status
     * that counts for it is the one in PostgreSQL, so it is read back.
     */
    public Persisted persist(MessageType type, List<MessageStore.Final> outcomes, String worker, BooleanSupplier keepTrying)
            throws InterruptedException {
        if (outcomes.isEmpty()) {
            return new Persisted(Set.of(), Map.of(), Map.of());
        }
        Map<UUID, SQLException> refusals = new LinkedHashMap<>();
        Set<UUID> written = new HashSet<>(isolating(type, outcomes, worker, keepTrying, refusals));
        Map<UUID, String> refused = new LinkedHashMap<>();
        Map<UUID, MessageStatus> statuses = new HashMap<>();
        if (!refusals.isEmpty()) {
            List<MessageStore.Final> failedRows = new ArrayList<>();
            for (MessageStore.Final f : outcomes) {
                SQLException why = refusals.get(f.message().id());
                if (why != null) {
                    String reason = reason(why);
                    refused.put(f.message().id(), reason);
                    failedRows.add(new MessageStore.Final(storable(f.message()), MessageStatus.FAILED, reason));
                }
            }
            Map<UUID, SQLException> refusedAgain = new LinkedHashMap<>();
            written.addAll(isolating(type, failedRows, worker, keepTrying, refusedAgain));
            refusedAgain.forEach((id, e) -> {
                // Not even its failed row can be stored (say, a client id longer than its column): no row, but it
                // is still refunded and dead-lettered, so it neither loops nor costs credit.
                Log.errorf("Message %s: PostgreSQL refuses even its failed row (%s); dead-lettered without a row", id,
                        e.getMessage());
                statuses.put(id, MessageStatus.FAILED);
            });
        }
        List<UUID> elsewhere = new ArrayList<>();
        for (MessageStore.Final f : outcomes) {
            UUID id = f.message().id();
            if (!written.contains(id) && !statuses.containsKey(id)) {
                elsewhere.add(id);
            }
        }
        saved(elsewhere, keepTrying).forEach((id, s) -> statuses.put(id, s.status()));
        // After the commit, best effort (see ClientSenders). Refused messages are left out: their from may be what
        // PostgreSQL refused, and their failed row holds it cut.
        senders.record(outcomes.stream().map(MessageStore.Final::message)
                .filter(m -> !refused.containsKey(m.id())).toList());
        return new Persisted(written, statuses, refused);
    }

    /** Writes the rows; rows refused for their data are split off until each refused one is alone. */
    private Set<UUID> isolating(MessageType type, List<MessageStore.Final> rows, String worker, BooleanSupplier keepTrying,
            Map<UUID, SQLException> refused) throws InterruptedException {
        if (rows.isEmpty()) {
            return Set.of();
        }
        try {
            return withRetry(() -> store.save(type, rows, worker), keepTrying);
        } catch (Refused r) {
            if (rows.size() == 1) {
                refused.put(rows.get(0).message().id(), r.cause);
                return Set.of();
            }
            Set<UUID> written = new HashSet<>();
            int half = rows.size() / 2;
            written.addAll(isolating(type, rows.subList(0, half), worker, keepTrying, refused));
            written.addAll(isolating(type, rows.subList(half, rows.size()), worker, keepTrying, refused));
            return written;
        }
    }

    private static String reason(SQLException e) {
        String message = String.valueOf(e.getMessage()).replace('\u0000', ' ');
        String reason = "refused by PostgreSQL (SQLState " + e.getSQLState() + "): " + message;
        return reason.length() > 500 ? reason.substring(0, 500) : reason;
    }

    /** The message with its text cut to what the columns take, so its failed row can be stored. */
    private static QueuedMessage storable(QueuedMessage m) {
        return new QueuedMessage(m.id(), m.clientId(), m.type(), cut(m.to(), NUMBER_COLUMN), cut(m.from(), NUMBER_COLUMN),
                m.content().replace("\u0000", ""), m.queuedAtMillis(), m.attempt(), m.expiresAtMillis());
    }

    private static String cut(String s, int max) {
        String clean = s.replace("\u0000", "");
        return clean.length() > max ? clean.substring(0, max) : clean;
    }

    @FunctionalInterface
    interface SqlCall<T> {
        T call() throws SQLException;
    }

    /** A write refused for its rows' data: trying it again would fail the same way. */
    private static final class Refused extends RuntimeException {
        final SQLException cause;

        Refused(SQLException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    /**
     * PostgreSQL may be away for minutes: keep the batch and try again with growing pauses. A refusal of the rows'
     * data is thrown at once as {@link Refused}; a refusal of the statement is retried like an outage (no message is
     * at fault) but logged as the error it is.
     */
    private static <T> T withRetry(SqlCall<T> call, BooleanSupplier keepTrying) throws InterruptedException {
        long pauseMs = 100;
        while (true) {
            try {
                return call.call();
            } catch (SQLException e) {
                SqlFailures.Kind kind = SqlFailures.classify(e);
                if (kind == SqlFailures.Kind.DATA_REFUSED) {
                    throw new Refused(e);
                }
                if (!keepTrying.getAsBoolean()) {
                    throw new IllegalStateException("PostgreSQL unavailable and the worker is stopping", e);
                }
                if (kind == SqlFailures.Kind.STATEMENT_REFUSED) {
                    Log.errorf("PostgreSQL refuses the statement (SQLState %s: %s): schema or deploy mismatch; holding "
                            + "the batch and retrying in %d ms", e.getSQLState(), e.getMessage(), pauseMs);
                } else {
                    Log.warnf("PostgreSQL failed (%s); retrying in %d ms", e.getMessage(), pauseMs);
                }
                TimeUnit.MILLISECONDS.sleep(pauseMs);
                pauseMs = Math.min(pauseMs * 2, 5_000);
            }
        }
    }
}
