package com.acme.sms.api.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.api.Stores;
import com.acme.sms.message.UuidV7;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The daily partitions: made ahead, dropped past the retention (default 90 days), one process at a time. */
@QuarkusTest
class PartitionMaintenanceTest {

    @Inject
    PartitionMaintenance maintenance;

    @Inject
    AgroalDataSource db;

    @Inject
    Stores stores;

    final LocalDate today = LocalDate.now(ZoneOffset.UTC);

    @Test
    void dropsTheDaysPastTheRetentionAsPartitionsAndKeepsTheirCounters() throws SQLException {
        String client = Stores.newClient();
        LocalDate expired = today.minusDays(95);
        LocalDate kept = today.minusDays(89);
        stores.count("SELECT sms_create_day_partitions(?, ?)", expired, expired);
        stores.count("SELECT sms_create_day_partitions(?, ?)", kept, kept);
        UUID old = insert(client, expired);
        UUID young = insert(client, kept);
        // No partition holds these days: the rows are in the default partition.
        UUID strayOld = insert(client, today.minusDays(400));
        UUID strayYoung = insert(client, today.minusDays(60).minusDays(today.getDayOfMonth() % 3));
        assertThat(stores.count("SELECT count(*) FROM messages_default WHERE id IN (?, ?)", strayOld, strayYoung))
                .isEqualTo(2);

        PartitionMaintenance.Run run = runOnce();

        assertThat(run.daysDropped()).contains(expired).doesNotContain(kept);
        assertThat(run.strayRowsDeleted()).isGreaterThanOrEqualTo(1);
        for (String table : PartitionMaintenance.TABLES) {
            assertThat(exists(table + "_p" + suffix(expired))).as(table + " of the expired day").isFalse();
            assertThat(exists(table + "_p" + suffix(kept))).as(table + " of a kept day").isTrue();
        }
        assertThat(stores.count("SELECT count(*) FROM messages WHERE id = ?", old)).isZero();
        assertThat(stores.count("SELECT count(*) FROM message_outcomes WHERE message_id = ?", old)).isZero();
        assertThat(stores.count("SELECT count(*) FROM messages WHERE id = ?", young)).isEqualTo(1);
        assertThat(stores.count("SELECT count(*) FROM message_outcomes WHERE message_id = ?", young)).isEqualTo(1);
        assertThat(stores.count("SELECT count(*) FROM messages WHERE id = ?", strayOld)).isZero();
        assertThat(stores.count("SELECT count(*) FROM messages WHERE id = ?", strayYoung)).isEqualTo(1);
        // What the client was charged stays: the usage report and reconciliation read the counters.
        assertThat(stores.count("SELECT count(*) FROM usage_daily WHERE client_id = ? AND day = ?", client, expired))
                .isEqualTo(1);
        // The days ahead are there, so the workers' writes never fall into the default partition.
        for (int ahead = -1; ahead <= 14; ahead++) {
            assertThat(exists("messages_p" + suffix(today.plusDays(ahead)))).as("day %+d", ahead).isTrue();
        }
    }

    @Test
    void anotherProcessHoldingTheLockMeansThisOneChangesNothing() throws SQLException {
        LocalDate expired = today.minusDays(120);
        stores.count("SELECT sms_create_day_partitions(?, ?)", expired, expired);
        try (Connection other = db.getConnection();
                PreparedStatement ps = other.prepareStatement("SELECT pg_advisory_lock(?)")) {
            ps.setLong(1, PartitionMaintenance.LOCK);
            ps.executeQuery().close();
            try {
                assertThat(maintenance.maintain(today).ran()).isFalse();
                assertThat(exists("messages_p" + suffix(expired))).isTrue();
            } finally {
                try (PreparedStatement unlock = other.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    unlock.setLong(1, PartitionMaintenance.LOCK);
                    unlock.executeQuery().close();
                }
            }
        }
        assertThat(runOnce().daysDropped()).contains(expired);
        assertThat(exists("messages_p" + suffix(expired))).isFalse();
    }

    /** A run of this test's own: the one the process starts with may hold the lock for a moment. */
    private PartitionMaintenance.Run runOnce() {
        AtomicReference<PartitionMaintenance.Run> run = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> run.updateAndGet(r -> maintainNow()).ran());
        return run.get();
    }

    private PartitionMaintenance.Run maintainNow() {
        try {
            return maintenance.maintain(today);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A sent message of the day, at noon, with a delivered outcome and its counters, as the workers write them. */
    private UUID insert(String client, LocalDate day) {
        Instant at = day.atTime(12, 0).toInstant(ZoneOffset.UTC);
        UUID id = UuidV7.at(at, 0);
        stores.execute("""
                INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at)
                VALUES (?, ?, 'normal', '+491701234567', 'ACME', 'hello', 'sent', sms_uuid_v7_time(?), now())""", id,
                client, id);
        stores.execute("INSERT INTO message_outcomes (message_id, queued_at, outcome, client_id, type)"
                + " SELECT id, queued_at, 'delivered', client_id, type FROM messages WHERE id = ?", id);
        stores.execute("""
                INSERT INTO usage_daily AS u (client_id, day, type, accepted, sent, delivered, credits_charged)
                VALUES (?, ?, 'normal', 1, 1, 1, 1)
                ON CONFLICT (client_id, day, type) DO UPDATE SET accepted = u.accepted + 1""", client, day);
        return id;
    }

    private boolean exists(String table) {
        return stores.count("SELECT count(*) FROM pg_class WHERE relname = ? AND relkind IN ('r', 'p')", table) == 1;
    }

    private static String suffix(LocalDate day) {
        return day.toString().replace("-", "");
    }
}
