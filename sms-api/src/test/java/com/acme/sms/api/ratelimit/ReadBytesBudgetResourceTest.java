package com.acme.sms.api.ratelimit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: a client reading its largest sent-log pages without pause is held to its bytes per second (default 1 MB)
 * with 429, while another client reads on; the real app, PostgreSQL and Redis.
 */
@QuarkusTest
class ReadBytesBudgetResourceTest {

    @Inject
    Stores stores;

    @Test
    void aClientReadingItsLargestPagesWithoutPauseIsRefusedWith429AndAnotherClientIsNot() {
        String heavy = Stores.newClient();
        String other = Stores.newClient();
        stores.largestPage(heavy);

        Response refused = null;
        int pages = 0;
        // A page is about 0.65 MB: the budget of two seconds' worth (2 MB) lets three or four through.
        for (int i = 0; i < 30 && refused == null; i++) {
            Response r = page(heavy);
            if (r.statusCode() == 429) {
                refused = r;
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
                pages++;
            }
            // The other client, read between the heavy client's pages, is never refused.
            assertThat(page(other).statusCode()).isEqualTo(200);
        }
        assertThat(refused).as("a refusal within 30 pages (%d read)", pages).isNotNull();
        assertThat(pages).isBetween(3, 8);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.jsonPath().getString("code")).isEqualTo("rate-limited");
        assertThat(refused.jsonPath().getString("limit")).isEqualTo("read-bytes");
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 2L);

        // It reads again once it has waited as told.
        await().pollDelay(Duration.ofSeconds(retryAfter)).atMost(Duration.ofSeconds(retryAfter + 5))
                .until(() -> page(heavy).statusCode() == 200);
    }

    private static Response page(String client) {
        return given().header("X-Client-ID", client).queryParam("page_size", 100).when()
                .get("/api/messages/sent-log");
    }
}
