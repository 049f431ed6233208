package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's attack in miniature, against the real app, PostgreSQL and Redis: one client reads pages of 100 messages
 * of 1,600 emoji (the largest pages there are) under ever new filters. The page cache must never hold more bytes
 * than its bound, and must give its pages back once they expire, also when no request comes.
 */
@QuarkusTest
@TestProfile(SentLogCacheBoundTest.SmallCache.class)
class SentLogCacheBoundTest {

    static final long MAX_BYTES = 3 * 1024 * 1024;

    public static class SmallCache implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The bytes-per-second budget off: this test reads 30 of the largest pages as fast as it can.
            return Map.of("sms.api.sent-log-cache-max-bytes", String.valueOf(MAX_BYTES),
                    "sms.api.sent-log-cache-ttl", "1s", "sms.api.sent-log-bytes-per-second", "0");
        }
    }

    @Inject
    Stores stores;

    @Inject
    SentLog sentLog;

    String client;

    @BeforeEach
    void bigMessages() {
        client = Stores.newClient();
        stores.largestPage(client);
    }

    @Test
    void distinctBigPagesNeverHoldMoreThanTheBound() {
        SentLogCache cache = sentLog.cache();
        assertThat(cache.maxBytes()).isEqualTo(MAX_BYTES);
        long onePage = 0;
        for (int i = 0; i < 30; i++) {
            given().header("X-Client-ID", client).queryParam("page_size", 100)
                    .queryParam("from_date", Instant.parse("2000-01-01T00:00:00Z").plusSeconds(i).toString())
                    .when().get("/api/messages/sent-log")
                    .then().statusCode(200).body("messages", hasSize(100))
                    .body("messages[0].content.length()", equalTo(3200));
            assertThat(cache.bytes()).isLessThanOrEqualTo(MAX_BYTES);
            onePage = Math.max(onePage, cache.bytes() / Math.max(1, cache.size()));
        }
        // 30 such pages are about 20 MB; the cache kept what fits and no more, and still caches at all.
        assertThat(onePage).as("estimated heap of one page of 100 x 1,600 emoji").isBetween(640_000L, 720_000L);
        assertThat(cache.size()).isBetween(1, (int) (MAX_BYTES / onePage));
    }

    @Test
    void expiredPagesLeaveWithoutTraffic() {
        SentLogCache cache = sentLog.cache();
        for (int i = 0; i < 3; i++) {
            given().header("X-Client-ID", client).queryParam("page_size", 100).queryParam("page", 1)
                    .queryParam("status", i == 0 ? "sent" : i == 1 ? "failed" : "queued")
                    .when().get("/api/messages/sent-log").then().statusCode(200);
        }
        assertThat(cache.size()).isGreaterThanOrEqualTo(1);
        assertThat(cache.bytes()).isPositive();
        // No request from here on: only the cache's own timer can free them (TTL 1 s, swept every 250 ms).
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(cache.bytes()).isZero());
        assertThat(cache.size()).isZero();
    }
}
