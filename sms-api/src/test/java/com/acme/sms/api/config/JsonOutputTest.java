package com.acme.sms.api.config;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What a client reads back is the text it sent, in as few bytes as JSON allows. */
@QuarkusTest
class JsonOutputTest {

    static final String EMOJI = "\uD83D\uDE00"; // U+1F600, one character outside the BMP

    @Inject
    Stores stores;

    @Test
    void emojiAreWrittenAsFourUtf8BytesNotAsEscapedSurrogates() {
        String client = "json-" + UUID.randomUUID().toString().substring(0, 8);
        String content = "Hi " + EMOJI.repeat(100);
        stores.execute("""
                INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at)
                VALUES (gen_random_uuid(), ?, 'normal', '+4917012345', 'App', ?, 'sent', now(), now())""",
                client, content);

        byte[] body = given().header("X-Client-ID", client).when().get("/api/messages/sent-log")
                .then().statusCode(200).extract().asByteArray();
        String text = new String(body, StandardCharsets.UTF_8);

        assertThat(text).contains(content).doesNotContain("\\uD83D").doesNotContain("\\ud83d");
        // The page's size is the content's UTF-8 size plus the envelope: 100 emoji take 400 bytes, not 1,200.
        assertThat(body.length).isLessThan(content.getBytes(StandardCharsets.UTF_8).length + 1_000);
    }
}
