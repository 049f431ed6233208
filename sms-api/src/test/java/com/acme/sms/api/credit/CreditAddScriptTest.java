package com.acme.sms.api.credit;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.api.Stores;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * credit_add.lua applies one ledger entry at most once, whatever calls it (the request, a late copy of it still
 * queued on a connection, the recovery job) and however often; a refusal is remembered too.
 */
@QuarkusTest
class CreditAddScriptTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final LuaScript ADD = LuaScript.load("credit_add");

    @Inject
    LuaScripts scripts;

    @Inject
    Stores stores;

    @Test
    void oneLedgerEntryIsAddedOnceHoweverOftenItIsRun() {
        String client = Stores.newClient();
        stores.setBalance(client, 100);
        Response first = add(client, 41, 50, 1_000_000);
        Response again = add(client, 41, 50, 1_000_000);
        assertThat(stores.balanceKey(client)).isEqualTo("150");
        assertThat(first.get(0).toLong()).isEqualTo(1);
        assertThat(again.get(0).toLong()).isEqualTo(1);
        assertThat(again.get(1).toLong()).isEqualTo(150);
        // another entry is another addition
        add(client, 42, 50, 1_000_000);
        assertThat(stores.balanceKey(client)).isEqualTo("200");
    }

    @Test
    void aRefusedEntryStaysRefusedEvenWhenItWouldFitLater() {
        String client = Stores.newClient();
        stores.setBalance(client, 90);
        assertThat(add(client, 7, 20, 100).get(0).toLong()).isZero();
        stores.setBalance(client, 10);
        assertThat(add(client, 7, 20, 100).get(0).toLong()).isZero();
        assertThat(stores.balanceKey(client)).isEqualTo("10");
    }

    private Response add(String client, long ledgerId, long amount, long max) {
        return scripts.run(ADD,
                List.of(RedisKeys.balance(client), RedisKeys.creditApplied(client, ledgerId), RedisKeys.rebuildFreeze()),
                List.of(Long.toString(amount), Long.toString(max), "3600")).await().atMost(WAIT);
    }
}
