package com.acme.sms.api.config;

import com.acme.sms.credit.CreditScripts;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses to start with settings under which the API could not keep a promise it makes (docs/promises.md), naming
 * each such setting, its value and what it breaks. Better a clear refusal at start than a promise broken quietly
 * under load.
 */
@ApplicationScoped
public class ApiSettings {

    private final ApiConfig api;

    public ApiSettings(ApiConfig api) {
        this.api = api;
    }

    void check(@Observes StartupEvent start) {
        List<String> problems = problems(api);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The API refuses these settings: " + String.join("; ", problems));
        }
    }

    /** What is wrong with these settings, one sentence each; empty when they are fine. */
    public static List<String> problems(ApiConfig api) {
        List<String> problems = new ArrayList<>();
        if (api.idempotencyTtl().compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("sms.api.idempotency-ttl is " + api.idempotencyTtl() + " but must be at least 1s: a client's "
                    + "retry with its Idempotency-Key must find the first answer instead of being charged again");
        }
        if (api.storeTimeout().compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("sms.api.store-timeout is " + api.storeTimeout() + " but must be at least 1s: PostgreSQL "
                    + "statement timeouts count whole seconds, and the margin of accept.lua's deadline is a quarter of it (docs/adr/0010)");
        }
        if (api.storeTimeout().compareTo(api.idempotencyTtl()) >= 0) {
            problems.add("sms.api.store-timeout (" + api.storeTimeout() + ") must be shorter than sms.api.idempotency-ttl ("
                    + api.idempotencyTtl() + "): a client that retries after a 503 must still find its first answer");
        }
        if (api.expressValidity().compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("sms.api.express-validity is " + api.expressValidity() + " but must be at least 1s: with less, "
                    + "every express message would expire before a worker could send it");
        }
        if (api.maxMessagesPerRequest() < 1) {
            problems.add("sms.api.max-messages-per-request is " + api.maxMessagesPerRequest()
                    + " but must be at least 1: no send could ever be accepted");
        }
        if (api.maxCreditIncrease() < 1 || api.maxCreditIncrease() > CreditScripts.MAX_BALANCE) {
            problems.add("sms.api.max-credit-increase is " + api.maxCreditIncrease() + " but must be from 1 to "
                    + CreditScripts.MAX_BALANCE + ", the most a balance can hold");
        }
        if (api.cursorSecret().isPresent() && api.cursorSecret().get().length() < 16) {
            problems.add("sms.api.cursor-secret is " + api.cursorSecret().get().length() + " characters but must be at "
                    + "least 16: a short key can be guessed from one cursor, and cursors then altered at will (they would still"
                    + " read only the caller's own messages)");
        }
        if (api.sentLogCacheTtl().isNegative()) {
            problems.add("sms.api.sent-log-cache-ttl is " + api.sentLogCacheTtl() + " but must be 0 (off) or positive");
        }
        if (api.maxExports() < 0) {
            problems.add("sms.api.max-exports is " + api.maxExports() + " but must be 0 (exports off) or more");
        }
        if (api.exportStatementTimeout().compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("sms.api.export-statement-timeout is " + api.exportStatementTimeout()
                    + " but must be at least 1s: PostgreSQL would cancel the first batch of every export");
        }
        return problems;
    }
}
