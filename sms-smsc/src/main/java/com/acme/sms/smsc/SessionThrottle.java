package com.acme.sms.smsc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-session TPS cap: at most {@code tps} submit_sm in each wall-clock second, as many SMSCs count them (a fixed
 * window, so a client may get 2 × tps across a second boundary, which a real SMSC allows as well).
 */
final class SessionThrottle {

    private final int tps;
    private final Map<String, long[]> windows = new ConcurrentHashMap<>();

    SessionThrottle(int tps) {
        this.tps = tps;
    }

    /** Counts one submit_sm of the session; false when it is over the cap (and then it does not count). */
    boolean admit(String sessionId) {
        if (tps <= 0) {
            return true;
        }
        long second = System.currentTimeMillis() / 1000;
        long[] window = windows.computeIfAbsent(sessionId, k -> new long[2]);
        synchronized (window) {
            if (window[0] != second) {
                window[0] = second;
                window[1] = 0;
            }
            if (window[1] >= tps) {
                return false;
            }
            window[1]++;
            return true;
        }
    }

    void forget(String sessionId) {
        windows.remove(sessionId);
    }
}
