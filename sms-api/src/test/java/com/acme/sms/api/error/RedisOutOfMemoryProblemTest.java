package com.acme.sms.api.error;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.redis.client.impl.types.ErrorType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Redis at maxmemory refuses the accept script whole, before any write (its shebang carries no allow-oom flag;
 * OutOfMemoryScriptsTest in sms-worker runs that against a real full Redis). The client must learn that nothing
 * was charged and that trying later may work: 503 with Retry-After, not a 500.
 */
class RedisOutOfMemoryProblemTest {

    @Test
    void aRedisOutOfMemoryRefusalIs503WithRetryAfter() {
        Throwable refusal = new CompletionException(
                ErrorType.create("OOM command not allowed when used memory > 'maxmemory'."));

        Response r = new ProblemMappers(new ObjectMapper()).unexpected(refusal, null);

        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(r.getHeaderString("Retry-After")).isEqualTo("5");
        assertThat(r.getEntity().toString()).contains("\"code\":\"service-unavailable\"").contains("nothing was changed");
    }
}
