package com.acme.sms.worker.persist;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.message.UuidV7;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** client_senders filled from persisted batches, against the real PostgreSQL. */
@QuarkusTest
class ClientSendersTest {

    @Inject
    PersistStep persist;

    @Inject
    ClientSenders senders;

    @Inject
    AgroalDataSource db;

    private static QueuedMessage message(String client, String from) {
        return new QueuedMessage(UuidV7.next(), client, MessageType.NORMAL, "+4915112345678", from, "hi",
                System.currentTimeMillis(), 1, 0);
    }

    private static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aPersistedBatchRecordsEachDistinctSenderAndClientOnce() throws Exception {
        String c = unique("cs-");
        String d = unique("cs-");
        String alpha = unique("A").substring(0, 9);
        List<QueuedMessage> batch = List.of(message(c, alpha), message(c, alpha), message(c, "+4930123456"),
                message(d, alpha));

        persist.persist(MessageType.NORMAL,
                batch.stream().map(m -> new MessageStore.Final(m, MessageStatus.SENT, null)).toList(), "test", () -> true);

        assertThat(pairs(c, d)).containsExactlyInAnyOrder(List.of(alpha, c), List.of("+4930123456", c),
                List.of(alpha, d));
        // Known now: the next batch with the same pairs costs no statement.
        assertThat(senders.record(batch)).isZero();
    }

    @Test
    void aPairWhoseInsertFailedIsNotRememberedAndGoesInWithALaterBatch() throws Exception {
        String c = unique("refused-");
        String ok = unique("cs-");
        List<QueuedMessage> batch = List.of(message(c, "Acme"), message(ok, "Acme"));
        sql("""
                CREATE OR REPLACE FUNCTION refuse_test_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.client_id LIKE 'refused-%' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                  RETURN NEW;
                END $$""");
        sql("CREATE TRIGGER refuse_test_pairs BEFORE INSERT ON client_senders FOR EACH ROW"
                + " EXECUTE FUNCTION refuse_test_pairs()");
        try {
            // The batch is not failed: the call returns, nothing recorded, nothing remembered.
            assertThat(senders.record(batch)).isZero();
            assertThat(senders.remembers("Acme", c)).isFalse();
            assertThat(senders.remembers("Acme", ok)).isFalse();
            assertThat(pairs(c, ok)).isEmpty();
        } finally {
            sql("DROP TRIGGER refuse_test_pairs ON client_senders");
            sql("DROP FUNCTION refuse_test_pairs()");
        }

        assertThat(senders.record(batch)).isEqualTo(2);
        assertThat(pairs(c, ok)).containsExactlyInAnyOrder(List.of("Acme", c), List.of("Acme", ok));
        assertThat(senders.remembers("Acme", c)).isTrue();
    }

    @Test
    void onlyTheMostRecentlyUsedPairsAreRemembered() {
        String c = unique("lru-");
        List<QueuedMessage> many = new ArrayList<>();
        for (int i = 0; i <= ClientSenders.REMEMBERED; i++) {
            many.add(message(c, "S" + i));
        }
        assertThat(senders.record(many.subList(0, 1))).isEqualTo(1);
        assertThat(senders.record(many.subList(1, 2))).isEqualTo(1);
        // S0 used again, so S1 is now the eldest of the two: it is the one to go when the cache overflows.
        assertThat(senders.record(many.subList(0, 1))).isZero();
        assertThat(senders.record(many.subList(2, many.size()))).isEqualTo(ClientSenders.REMEMBERED - 1);
        assertThat(senders.remembers("S0", c)).isTrue();
        assertThat(senders.remembers("S1", c)).isFalse();
        // A forgotten pair reaches PostgreSQL again, where ON CONFLICT keeps the first row.
        assertThat(senders.record(many.subList(1, 2))).isEqualTo(1);
    }

    private List<List<String>> pairs(String... clients) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c
                        .prepareStatement("SELECT sender, client_id FROM client_senders WHERE client_id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("text", clients));
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(List.of(rs.getString(1), rs.getString(2)));
                }
            }
            return rows;
        }
    }

    private void sql(String statement) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }
}
