package com.acme.sms.api.security;

import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;

/** {@link HostileRequests} against the API in header mode; run by {@link HostileRequestsTest}. */
class HeaderModeHostileRequests extends HostileRequests {

    @Override
    boolean jwt() {
        return false;
    }

    @Property(tries = 2000, shrinking = ShrinkingMode.OFF, afterFailure = AfterFailureMode.RANDOM_SEED)
    void malformedRequestsGetA4xxProblemAndChangeNothing(@ForAll("malformedRequests") Case request) throws Exception {
        check(request);
    }
}
