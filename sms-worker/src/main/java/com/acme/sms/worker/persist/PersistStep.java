package com.acme.sms.worker.persist;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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
 */
@ApplicationScoped
public class PersistStep {

    /** What a write left in PostgreSQL: rows this write changed, and the status of the others (written before). */
    public record Persisted(Set<UUID> written, Map<UUID, MessageStatus> statusWrittenElsewhere) {}

    private final MessageStore store;

    public PersistStep(MessageStore store) {
        this.store = store;
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
            return new Persisted(Set.of(), Map.of());
        }
        Set<UUID> written = withRetry(() -> store.save(type, outcomes, worker), keepTrying);
        List<UUID> elsewhere = new ArrayList<>();
        for (MessageStore.Final f : outcomes) {
            if (!written.contains(f.message().id())) {
                elsewhere.add(f.message().id());
            }
        }
        Map<UUID, MessageStatus> statuses = new HashMap<>();
        saved(elsewhere, keepTrying).forEach((id, s) -> statuses.put(id, s.status()));
        return new Persisted(written, statuses);
    }

    @FunctionalInterface
    interface SqlCall<T> {
        T call() throws SQLException;
    }

    /** PostgreSQL may be away for minutes: keep the batch and try again with growing pauses. */
    private static <T> T withRetry(SqlCall<T> call, BooleanSupplier keepTrying) throws InterruptedException {
        long pauseMs = 100;
        while (true) {
            try {
                return call.call();
            } catch (SQLException e) {
                if (!keepTrying.getAsBoolean()) {
                    throw new IllegalStateException("PostgreSQL unavailable and the worker is stopping", e);
                }
                Log.warnf("PostgreSQL failed (%s); retrying in %d ms", e.getMessage(), pauseMs);
                TimeUnit.MILLISECONDS.sleep(pauseMs);
                pauseMs = Math.min(pauseMs * 2, 5_000);
            }
        }
    }
}
