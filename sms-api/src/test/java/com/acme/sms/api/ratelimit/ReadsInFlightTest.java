package com.acme.sms.api.ratelimit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 16: one client's many heavy reads at once must not take the CPU from the others. */
@QuarkusTest
class ReadsInFlightTest {

    @Inject
    ReadsInFlight readsInFlight;

    @Inject
    AgroalDataSource db;

    @Test
    void aThirdSentLogReadOfOneClientIsRefusedAtOnceWhileOtherClientsReadAndPlacesAreFreedAfterTheAnswer()
            throws Exception {
        String busy = "rif-" + UUID.randomUUID().toString().substring(0, 8);
        String other = "rif-" + UUID.randomUUID().toString().substring(0, 8);
        CompletableFuture<Response> first;
        CompletableFuture<Response> second;
        CompletableFuture<Response> otherClient;
        // The table locked: the reads that get in wait in PostgreSQL, so they are in flight for as long as the test
        // needs (well inside the store timeout), without depending on how fast this machine is.
        try (Connection locker = db.getConnection(); Statement st = locker.createStatement()) {
            locker.setAutoCommit(false);
            st.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
            first = CompletableFuture.supplyAsync(() -> read(busy, "2000-01-01"));
            second = CompletableFuture.supplyAsync(() -> read(busy, "2000-01-02"));
            await().atMost(Duration.ofSeconds(3)).until(() -> readsInFlight.of(busy) == 2);

            Response third = read(busy, "2000-01-03");
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(third.header("Retry-After")).isEqualTo("1");
            assertThat(third.jsonPath().getString("code")).isEqualTo("rate-limited");
            assertThat(third.jsonPath().getString("limit")).isEqualTo("reads-in-flight");

            // The bound is per client: another client's read is let in.
            otherClient = CompletableFuture.supplyAsync(() -> read(other, "2000-01-01"));
            await().atMost(Duration.ofSeconds(3)).until(() -> readsInFlight.of(other) == 1);
            locker.rollback();
        }
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(otherClient.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // Freed once the answers were written: the client reads again, and nothing stays counted.
        await().atMost(Duration.ofSeconds(3)).until(() -> readsInFlight.of(busy) == 0 && readsInFlight.of(other) == 0);
        assertThat(read(busy, "2000-01-04").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(3)).until(() -> readsInFlight.of(busy) == 0);
    }

    private static Response read(String client, String fromDate) {
        return given().header("X-Client-ID", client).queryParam("from_date", fromDate)
                .when().get("/api/messages/sent-log");
    }
}
