package com.acme.sms.api.admin;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, credit 2: a rebuild while a client keeps sending and a worker keeps finishing messages (between the
 * rebuild's reads of PostgreSQL and of the queues, and between its reads and its writes). Every rebuild either
 * gives the exact balance or refuses; afterwards the live balance is exactly credit added - sent.
 */
@QuarkusTest
class RebuildUnderTrafficTest {

    static final String BODY = "{\"messages\": [" + String.join(",",
            Collections.nCopies(3, "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"x\"}")) + "]}";

    @Inject
    Stores stores;

    @Test
    void rebuildsWhileMessagesAreAcceptedAndFinishedLeaveTheExactBalance() throws Exception {
        stores.clearQueues();
        String client = Stores.creditedClient(100_000);
        AtomicBoolean stop = new AtomicBoolean();
        Set<Integer> sendAnswers = ConcurrentHashMap.newKeySet();
        Set<Integer> rebuildAnswers = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<?> sender = pool.submit(() -> {
                while (!stop.get()) {
                    sendAnswers.add(given().header("X-Client-ID", client).contentType("application/json").body(BODY)
                            .when().post("/api/messages/bulk/send").statusCode());
                }
            });
            Future<?> worker = pool.submit(() -> {
                while (!stop.get()) {
                    stores.finishQueuedAsSent(MessageType.NORMAL);
                }
                return null;
            });
            for (int i = 0; i < 15; i++) {
                rebuildAnswers.add(given().header("X-Admin-Key", "test-admin-key")
                        .when().post("/api/admin/reconciliation/rebuild").statusCode());
                Thread.sleep(50);
            }
            stop.set(true);
            sender.get(30, TimeUnit.SECONDS);
            worker.get(30, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        while (stores.finishQueuedAsSent(MessageType.NORMAL) > 0) {
            // the last accepted messages
        }

        long sent = stores.count("SELECT count(*) FROM messages WHERE client_id = ? AND status = 'sent'", client);
        String live = stores.balanceKey(client);
        assertThat(sent).as("messages sent during the run").isPositive();
        assertThat(live).as("live balance after %d sent of 100000 (rebuild answers %s, send answers %s)", sent,
                rebuildAnswers, sendAnswers).isEqualTo(Long.toString(100_000 - sent));
        assertThat(stores.count("SELECT balance FROM credits WHERE client_id = ?", client)).isEqualTo(100_000 - sent);
        // a rebuild that could not be exact refused; the API answered 503 to sends it refused meanwhile
        assertThat(rebuildAnswers).isSubsetOf(List.of(200, 409));
        assertThat(sendAnswers).isSubsetOf(List.of(202, 503));
    }

}
