package com.acme.sms.api.optout;

import com.acme.sms.api.store.StoreUnavailableException;
import com.acme.sms.optout.OptOuts;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.function.Supplier;

/**
 * A client's opt-out list through the API. The store ({@link OptOuts}) keeps PostgreSQL and the Redis copy that
 * acceptance checks in step; this class only turns a store that did not answer into a 503 that says what happened.
 */
@ApplicationScoped
public class OptOutService {

    /** The most opt-outs one page lists. */
    public static final int MAX_PAGE = 1000;

    private final OptOuts optOuts;

    public OptOutService(OptOuts optOuts) {
        this.optOuts = optOuts;
    }

    /** Adds the number; false when the client had opted it out already (the first record stays). */
    public boolean add(String clientId, String number) {
        return store(() -> optOuts.add(clientId, number, OptOuts.Source.API, null, null),
                "The opt-out was not recorded; messages to this number are still accepted. Try again shortly.");
    }

    /** Removes the number; false when it was not opted out. */
    public boolean remove(String clientId, String number) {
        // A failure after PostgreSQL's commit leaves the number blocked in Redis: the safe side, fixed by a retry.
        return store(() -> optOuts.remove(clientId, number),
                "The opt-out may still be in force; messages to this number may still be refused. Try again shortly.");
    }

    /** Up to {@code limit} opt-outs in number order, after {@code afterNumber} (null: from the first). */
    public List<OptOuts.OptOut> page(String clientId, String afterNumber, int limit) {
        return store(() -> optOuts.page(clientId, afterNumber, limit), "The opt-outs could not be read. Try again shortly.");
    }

    /** The client's opt-out of this number, or null. */
    public OptOuts.OptOut find(String clientId, String number) {
        return store(() -> optOuts.find(clientId, number).orElse(null), "The opt-out could not be read. Try again shortly.");
    }

    private static <T> T store(Supplier<T> call, String detail) {
        try {
            return call.get();
        } catch (OptOuts.StoreFailure e) {
            throw new StoreUnavailableException(e.store(), detail, e);
        }
    }
}
