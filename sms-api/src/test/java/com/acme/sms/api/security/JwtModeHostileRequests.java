package com.acme.sms.api.security;

import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;

/** {@link HostileRequests} against the API in jwt mode; run by {@link JwtHostileRequestsTest}. */
class JwtModeHostileRequests extends HostileRequests {

    @Override
    boolean jwt() {
        return true;
    }

    @Property(tries = 1200, shrinking = ShrinkingMode.OFF, afterFailure = AfterFailureMode.RANDOM_SEED)
    void malformedRequestsGetA4xxProblemAndChangeNothing(@ForAll("malformedRequests") Case request) throws Exception {
        check(request);
    }
}
