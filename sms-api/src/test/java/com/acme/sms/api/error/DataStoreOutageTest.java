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
    void aRedisLoadingItsDataOrBusyWithAScriptIsAnOutage() {
        assertThat(ProblemMappers.isDataStoreOutage(ErrorType.create("LOADING Redis is loading the dataset in memory")))
                .isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new IllegalStateException("accept failed",
                ErrorType.create("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT."))))
                .isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new IllegalStateException("Redis waiting queue is full"))).isTrue();
    }

    @Test
    void aPostgresqlThatCancelledAStatementOrHasNoConnectionIsAnOutage() {
        assertThat(ProblemMappers.isDataStoreOutage(new SQLException("canceling statement due to user request", "57014")))
                .isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new SQLException("Connection refused", "08001"))).isTrue();
        assertThat(ProblemMappers.isDataStoreOutage(new SQLException("Sorry, acquisition timeout!"))).isTrue();
    }

    @Test
    void aDefectIsNot() {
        assertThat(ProblemMappers.isDataStoreOutage(ErrorType.create("WRONGTYPE balance key holds a list"))).isFalse();
        assertThat(ProblemMappers.isDataStoreOutage(ErrorType.create("ERR accept: bad message count"))).isFalse();
        assertThat(ProblemMappers.isDataStoreOutage(new SQLException("syntax error", "42601"))).isFalse();
        assertThat(ProblemMappers.isDataStoreOutage(new IllegalStateException("boom"))).isFalse();
    }
}
