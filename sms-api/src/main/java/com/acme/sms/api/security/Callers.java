package com.acme.sms.api.security;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import jakarta.enterprise.context.ApplicationScoped;

/** Gives endpoints the {@link Caller} that {@link CallerFilter} established for the current request. */
@ApplicationScoped
public class Callers {

    private final CurrentVertxRequest currentRequest;

    public Callers(CurrentVertxRequest currentRequest) {
        this.currentRequest = currentRequest;
    }

    public Caller current() {
        Caller caller = currentRequest.getCurrent().get(CallerFilter.ATTRIBUTE);
        if (caller == null) {
            // Only possible for an endpoint the filter did not run for: fail closed rather than guess.
            throw new IllegalStateException("No caller was established for this request");
        }
        return caller;
    }

    /** The client the request acts on. */
    public String clientId() {
        return current().clientId();
    }
}
