package com.acme.sms.api.credit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.acceptance.AcceptScript;
import com.acme.sms.api.Stores;
import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The acceptance and credit scripts against the real Redis. */
@QuarkusTest
class AcceptScriptTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    AcceptScript acceptance;

    @Inject
    CreditScripts credit;

    @Inject
    Stores stores;

    @Test
    void chargesInOrderAsFarAsTheBalanceGoesAndDeletesTheKeyAtZero() {
        String client = Stores.newClient();
        stores.setBalance(client, 3);
        AcceptScript.Acceptance a = acceptance.accept(client, MessageType.NORMAL, messages(5)).await().atMost(WAIT);
        assertThat(a.accepted()).isEqualTo(3);
        assertThat(a.balanceLeft()).isZero();
        assertThat(stores.balanceKeyExists(client)).isFalse();
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(3);
    }

    @Test
    void withoutBalanceNothingIsWritten() {
        String client = Stores.newClient();
        AcceptScript.Acceptance a = acceptance.accept(client, MessageType.EXPRESS, messages(2)).await().atMost(WAIT);
        assertThat(a.accepted()).isZero();
        assertThat(stores.balanceKeyExists(client)).isFalse();
        assertThat(stores.queued(MessageType.EXPRESS, client)).isEmpty();
    }

    @Test
    void aCorruptBalanceFailsBeforeAnyWrite() {
        String client = Stores.newClient();
        stores.redis().value(String.class).set(RedisKeys.balance(client), "not-a-number");
        assertThatThrownBy(() -> acceptance.accept(client, MessageType.NORMAL, messages(1)).await().atMost(WAIT))
                .hasMessageContaining("not a non-negative integer");
        assertThat(stores.balanceKey(client)).isEqualTo("not-a-number");
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();

        String listClient = Stores.newClient();
        stores.redis().list(String.class).lpush(RedisKeys.balance(listClient), "5");
        assertThatThrownBy(() -> acceptance.accept(listClient, MessageType.NORMAL, messages(1)).await().atMost(WAIT))
                .hasMessageContaining("WRONGTYPE");
        assertThat(stores.queued(MessageType.NORMAL, listClient)).isEmpty();

        // An opt-out key of another type: refused before anything is charged or queued (and not "loaded" over).
        String optOutClient = Stores.creditedClient(5);
        stores.redis().value(String.class).set(RedisKeys.optOuts(optOutClient), "junk");
        assertThatThrownBy(() -> acceptance.accept(optOutClient, MessageType.NORMAL, messages(1)).await().atMost(WAIT))
                .hasMessageContaining("WRONGTYPE");
        assertThat(stores.balanceKey(optOutClient)).isEqualTo("5");
        assertThat(stores.queued(MessageType.NORMAL, optOutClient)).isEmpty();
        assertThat(stores.redis().value(String.class).get(RedisKeys.optOuts(optOutClient))).isEqualTo("junk");
    }

    @Test
    void refundGivesCreditBackOncePerMessage() {
        String client = Stores.newClient();
        var ids = List.of(UuidV7.next(), UuidV7.next());
        assertThat(credit.refund(client, ids).await().atMost(WAIT)).isEqualTo(2);
        assertThat(credit.refund(client, ids).await().atMost(WAIT)).isZero();
        assertThat(credit.refund(client, List.of(ids.get(0), UuidV7.next())).await().atMost(WAIT)).isEqualTo(1);
        assertThat(stores.balanceKey(client)).isEqualTo("3");
    }

    @Test
    void aTopUpBeyondTheMaximumBalanceIsAStatusAndChangesNothing() {
        String client = Stores.newClient();
        stores.setBalance(client, CreditScripts.MAX_BALANCE - 1);
        CreditScripts.Addition refused = credit.add(client, 1, 2).await().atMost(WAIT);
        assertThat(refused.outcome()).isEqualTo(CreditScripts.Added.OVER_LIMIT);
        assertThat(stores.balanceKey(client)).isEqualTo(Long.toString(CreditScripts.MAX_BALANCE - 1));
        CreditScripts.Addition added = credit.add(client, 2, 1).await().atMost(WAIT);
        assertThat(added.outcome()).isEqualTo(CreditScripts.Added.ADDED);
        assertThat(added.balance()).isEqualTo(CreditScripts.MAX_BALANCE);
    }

    @Test
    void scriptsSurviveAScriptCacheFlush() {
        String client = Stores.newClient();
        stores.setBalance(client, 2);
        stores.redis().execute("SCRIPT", "FLUSH");
        assertThat(acceptance.accept(client, MessageType.NORMAL, messages(1)).await().atMost(WAIT).accepted()).isEqualTo(1);
        assertThat(credit.add(client, 1, 5).await().atMost(WAIT).balance()).isEqualTo(6);
    }

    @Test
    void twoHundredConcurrentBulkRequestsNeverSpendMoreThanTheCredit() throws Exception {
        String client = Stores.newClient();
        int creditAdded = 517;
        given().header("X-Client-ID", client).contentType("application/json").body("{\"balance\": " + creditAdded + "}")
                .when().post("/api/credit/increase").then().statusCode(200);
        String body = "{\"messages\": [" + String.join(",", Collections.nCopies(10,
                "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"race\"}")) + "]}";

        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<Response>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(pool.submit(() -> given().header("X-Client-ID", client).header("X-SMS-TYPE", "normal")
                    .contentType("application/json").body(body).when().post("/api/messages/bulk/send")));
        }
        int accepted = 0;
        Set<String> ids = new HashSet<>();
        int paymentRequired = 0;
        for (Future<Response> f : futures) {
            Response r = f.get();
            assertThat(r.statusCode()).isIn(202, 402);
            if (r.statusCode() == 202) {
                accepted += r.<Integer>path("accepted");
                ids.addAll(r.<List<String>>path("results.findAll { it.status == 'queued' }.id"));
            } else {
                paymentRequired++;
            }
        }
        pool.shutdown();

        assertThat(accepted).isEqualTo(creditAdded);
        assertThat(ids).hasSize(creditAdded);
        assertThat(paymentRequired).isEqualTo(200 - 52); // 51 full requests, one partial (7 of 10), the rest refused
        assertThat(stores.balanceKeyExists(client)).isFalse();
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(creditAdded)
                .allSatisfy(m -> assertThat(ids).contains(m.payload().get("id")));
    }

    @Test
    void theMessagesLimitAdmitsWhatFitsInTheWindowAndCountsOnlyWhatWasQueued() {
        String client = Stores.newClient();
        stores.setBalance(client, 100);
        AcceptScript.Acceptance a = acceptance.accept(client, MessageType.NORMAL, messages(3), 0, null, 5).await().atMost(WAIT);
        assertThat(a.accepted()).isEqualTo(3);
        assertThat(a.rateLimited()).isFalse();
        String key = RedisKeys.messagesRateKey(client, MessageType.NORMAL);
        assertThat(key).isEqualTo("sms:rate:{" + client + "}:messages:normal");
        assertThat(stores.redis().value(String.class).get(key)).isEqualTo("3");
        // a fixed window: it ends at the next whole second of Redis' clock
        assertThat(stores.redis().key(String.class).pttl(key)).isBetween(1L, 1000L);

        // only what was queued counts: 2 of 5 covered by the balance
        String poor = Stores.newClient();
        stores.setBalance(poor, 2);
        assertThat(acceptance.accept(poor, MessageType.EXPRESS, messages(5), 0, null, 10).await().atMost(WAIT).accepted())
                .isEqualTo(2);
        assertThat(stores.redis().value(String.class).get(RedisKeys.messagesRateKey(poor, MessageType.EXPRESS))).isEqualTo("2");
    }

    @Test
    void aRequestThatDoesNotFitIsRefusedWholeBeforeAnyWrite() {
        String client = Stores.newClient();
        stores.setBalance(client, 100);
        String key = RedisKeys.messagesRateKey(client, MessageType.EXPRESS);
        stores.redis().value(String.class).set(key, "3",
                new io.quarkus.redis.datasource.value.SetArgs().px(Duration.ofSeconds(20)));

        AcceptScript.Acceptance refused = acceptance.accept(client, MessageType.EXPRESS, messages(3), 60_000,
                new AcceptScript.Idempotency("k1", "hash", Duration.ofMinutes(5)), 5).await().atMost(WAIT);
        assertThat(refused.rateLimited()).isTrue();
        assertThat(refused.retryAfterMillis()).isBetween(1L, 20_000L);
        assertThat(refused.accepted()).isZero();
        assertThat(stores.balanceKey(client)).isEqualTo("100");
        assertThat(stores.queued(MessageType.EXPRESS, client)).isEmpty();
        assertThat(stores.redis().value(String.class).get(key)).isEqualTo("3");
        assertThat(stores.redis().key(String.class).exists(RedisKeys.idempotency(client, "k1"))).isFalse();

        // what still fits is taken, and fills the window exactly
        assertThat(acceptance.accept(client, MessageType.EXPRESS, messages(2), 0, null, 5).await().atMost(WAIT).accepted())
                .isEqualTo(2);
        assertThat(stores.redis().value(String.class).get(key)).isEqualTo("5");
        assertThat(acceptance.accept(client, MessageType.EXPRESS, messages(1), 0, null, 5).await().atMost(WAIT).rateLimited())
                .isTrue();
        // the other type has its own window
        assertThat(acceptance.accept(client, MessageType.NORMAL, messages(5), 0, null, 5).await().atMost(WAIT).accepted())
                .isEqualTo(5);
    }

    @Test
    void aRepeatedRequestIsAnsweredFromItsRecordEvenWhenTheWindowIsFull() {
        String client = Stores.newClient();
        stores.setBalance(client, 10);
        AcceptScript.Idempotency key = new AcceptScript.Idempotency("again", "h", Duration.ofMinutes(5));
        assertThat(acceptance.accept(client, MessageType.NORMAL, messages(2), 0, key, 2).await().atMost(WAIT).accepted())
                .isEqualTo(2);
        AcceptScript.Acceptance replay = acceptance.accept(client, MessageType.NORMAL, messages(2), 0, key, 2).await()
                .atMost(WAIT);
        assertThat(replay.rateLimited()).isFalse();
        assertThat(replay.outcome()).isEqualTo(AcceptScript.Outcome.REPLAYED);
        assertThat(replay.replayOf()).hasValueSatisfying(r -> {
            assertThat(r.requestHash()).isEqualTo("h");
            assertThat(r.accepted()).isEqualTo(2);
            assertThat(r.balanceLeft()).isEqualTo(8);
            assertThat(r.ids()).hasSize(2);
        });
        assertThat(stores.balanceKey(client)).isEqualTo("8");
    }

    @Test
    void aCallRedisReachesAfterItsDeadlineChangesNothing() {
        String client = Stores.newClient();
        stores.setBalance(client, 5);
        AcceptScript.Idempotency key = new AcceptScript.Idempotency("late", "h", Duration.ofMinutes(5));
        // A deadline already past by Redis' clock: the call the API gave up on, run late.
        long passed = System.currentTimeMillis() - 60_000;
        AcceptScript.Acceptance late = acceptance.accept(client, MessageType.NORMAL, messages(2), 0, key, 5, passed)
                .await().atMost(WAIT);
        assertThat(late.outcome()).isEqualTo(AcceptScript.Outcome.TOO_LATE);
        assertThat(stores.balanceKey(client)).isEqualTo("5");
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
        assertThat(stores.redis().key(String.class).exists(RedisKeys.idempotency(client, "late"))).isFalse();
        assertThat(stores.redis().key(String.class).exists(RedisKeys.messagesRateKey(client, MessageType.NORMAL))).isFalse();

        // Within its deadline the same call is carried out.
        long ahead = System.currentTimeMillis() + 60_000;
        assertThat(acceptance.accept(client, MessageType.NORMAL, messages(2), 0, key, 5, ahead).await().atMost(WAIT)
                .accepted()).isEqualTo(2);
        assertThat(stores.balanceKey(client)).isEqualTo("3");
    }

    @Test
    void anIdempotencyRecordLivesToTheMillisecondItWasGiven() {
        String client = Stores.newClient();
        stores.setBalance(client, 5);
        // 10 h and 999 ms: kept in whole seconds, as before, the record would live at most 10 h.
        AcceptScript.Idempotency key = new AcceptScript.Idempotency("ms", "h", Duration.ofMillis(36_000_999));
        assertThat(acceptance.accept(client, MessageType.NORMAL, messages(1), 0, key, 0).await().atMost(WAIT).accepted())
                .isEqualTo(1);
        assertThat(stores.redis().key(String.class).pttl(RedisKeys.idempotency(client, "ms")))
                .isGreaterThan(36_000_000L).isLessThanOrEqualTo(36_000_999L);
    }

    @Test
    void aRequestThatAcceptedNothingWritesNoRecord() {
        String client = Stores.newClient();
        AcceptScript.Idempotency key = new AcceptScript.Idempotency("poor", "h", Duration.ofMinutes(5));
        AcceptScript.Acceptance none = acceptance.accept(client, MessageType.NORMAL, messages(2), 0, key, 0).await()
                .atMost(WAIT);
        assertThat(none.outcome()).isEqualTo(AcceptScript.Outcome.QUEUED);
        assertThat(none.accepted()).isZero();
        assertThat(stores.redis().key(String.class).exists(RedisKeys.idempotency(client, "poor"))).isFalse();
    }

    @Test
    void withoutALimitNoCounterIsKept() {
        String client = Stores.newClient();
        stores.setBalance(client, 5);
        assertThat(acceptance.accept(client, MessageType.NORMAL, messages(2), 0, null, 0).await().atMost(WAIT).accepted())
                .isEqualTo(2);
        assertThat(stores.redis().key(String.class).exists(RedisKeys.messagesRateKey(client, MessageType.NORMAL))).isFalse();
    }

    @Test
    void aCounterLeftWithoutExpiryCannotBlockAClientForever() {
        String client = Stores.newClient();
        stores.setBalance(client, 5);
        String key = RedisKeys.messagesRateKey(client, MessageType.NORMAL);
        stores.redis().value(String.class).set(key, "99");
        assertThat(acceptance.accept(client, MessageType.NORMAL, messages(1), 0, null, 5).await().atMost(WAIT).rateLimited())
                .isTrue();
        assertThat(stores.redis().key(String.class).pttl(key)).isBetween(1L, 1000L);
        assertThat(stores.balanceKey(client)).isEqualTo("5");
    }

    @Test
    void theRequestsWindowScriptCountsUpToTheLimitAndRefusesWithoutCounting() {
        String key = RedisKeys.requestsRateKey(Stores.newClient());
        for (int i = 1; i <= 3; i++) {
            var r = scripts.run(RATE_LIMIT, List.of(key), List.of("3", "1")).await().atMost(WAIT);
            assertThat(r.get(0).toInteger()).isEqualTo(1);
            assertThat(r.get(1).toInteger()).isEqualTo(i);
        }
        var refused = scripts.run(RATE_LIMIT, List.of(key), List.of("3", "1")).await().atMost(WAIT);
        assertThat(refused.get(0).toInteger()).isZero();
        assertThat(refused.get(1).toLong()).isBetween(1L, 1000L);
        assertThat(stores.redis().value(String.class).get(key)).isEqualTo("3");
        assertThatThrownBy(() -> scripts.run(RATE_LIMIT, List.of(key), List.of("0", "1")).await().atMost(WAIT))
                .hasMessageContaining("bad limit");
    }

    private static final com.acme.sms.redis.LuaScript RATE_LIMIT = com.acme.sms.redis.LuaScript.load("rate_limit");

    @Inject
    com.acme.sms.redis.LuaScripts scripts;

    @Test
    void thousandsOfMessagesAreCheckedAgainstOptOutsAndChargedTheirCredits() {
        String client = Stores.creditedClient(10_000);
        given().header("X-Client-ID", client).urlEncodingEnabled(false).when().put("/api/opt-outs/+4917099999")
                .then().statusCode(201);
        // More numbers than one unpack() can carry: the opt-out check runs in chunks, across their boundary.
        List<AcceptScript.Outgoing> batch = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            String to = i == 1_000 || i == 2_500 ? "+4917099999" : "+4917012345";
            batch.add(new AcceptScript.Outgoing(UuidV7.next(), to, "App", "m" + i, i % 2 == 0 ? 1 : 2));
        }
        AcceptScript.Acceptance a = acceptance.accept(client, MessageType.NORMAL, batch).await().atMost(WAIT);
        assertThat(a.optedOut()).containsExactly(1_000, 2_500);
        assertThat(a.accepted()).isEqualTo(2_998);
        // 1,500 messages of 1 credit and 1,500 of 2, less the two opted out (both at even positions: 1 credit each)
        assertThat(a.balanceLeft()).isEqualTo(10_000 - (1_500 + 3_000 - 2));
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(2_998);
    }

    private static List<AcceptScript.Outgoing> messages(int n) {
        List<AcceptScript.Outgoing> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new AcceptScript.Outgoing(UuidV7.next(), "+4917012345", "App", "m" + i));
        }
        return list;
    }
}
