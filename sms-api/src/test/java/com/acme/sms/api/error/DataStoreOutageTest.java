package com.acme.sms.api.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.redis.client.impl.types.ErrorType;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Which failures are "the store can not serve now" (503 with Retry-After) rather than a defect (500). The Redis errors
 * are built as the Redis client builds them from an error reply.
 */
class DataStoreOutageTest {

    @Test
    void aRedisLoadingItsDataBusyWithAScriptOrGoneMidCommandIsAnOutage() {
        assertThat(ProblemMappers.isDataStoreOutage(ErrorType.create("LOADING Redis is loading the dataset in memory")))
                .isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new IllegalStateException("accept failed",
                ErrorType.create("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT."))))
                .isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new IllegalStateException("Redis waiting queue is full"))).isTrue();
        // bin/nemesis saw this one answer 500: Redis killed while a send's script was in flight.
        assertThat(ProblemMappers.isDataStoreOutage(new java.util.concurrent.CompletionException(ErrorType.create(
                "CONNECTION_CLOSED")))).isTrue();
    }

    @Test
    void aPostgresqlThatCancelledAStatementOrHasNoConnectionIsAnOutage() {
        assertThat(ProblemMappers.isDataStoreOutage(new SQLException("canceling statement due to user request", "57014")))
                .isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new SQLException("Connection refused", "08001"))).isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new SQLException("Sorry, acquisition timeout!"))).isTrue();
        // Both seen answering 500 in bin/nemesis runs (seeds 101, 105, 106) while PostgreSQL or Redis was down.
        assertThat(ProblemMappers.isDataStoreOutage(new IllegalStateException("reading a message failed",
                new SQLException("Acquisition timeout while waiting for new connection")))).isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new java.net.SocketException("Connection reset"))).isTrue();
        // bin/nemesis seed 771710223: an API stopping (SIGTERM) while PostgreSQL was down, a read waiting for a
        // connection; another instance can answer it, so it is a 503, not a defect.
        assertThat(ProblemMappers.isDataStoreOutage(new IllegalStateException("reading a message failed",
                new SQLException("Can't create new connection as the pool is shutting down")))).isTrue();
    }

    @Test
    void aDefectIsNot() {
        assertThat(ProblemMappers.isDataStoreOutage(ErrorType.create("WRONGTYPE balance key holds a list"))).isFalse();
        assertThat(ProblemMappers.isDataStoreOutage(ErrorType.create("ERR accept: bad message count"))).isFalse();
        assertThat(ProblemMappers.isDataStoreOutage(new SQLException("syntax error", "42601"))).isFalse();
        assertThat(ProblemMappers.isDataStoreOutage(new IllegalStateException("boom"))).isFalse();
    }
}
