package com.acme.sms.worker;

import io.quarkus.redis.datasource.RedisDataSource;

/** The dashboard's live counters as the tests read them: one field summed over every step Redis still holds. */
public final class LiveCounts {

    private LiveCounts() {}

    public static long sum(RedisDataSource redis, String field) {
        long sum = 0;
        for (String key : redis.key(String.class).keys("sms:live:1*")) {
            String v = redis.hash(String.class).hget(key, field);
            sum += v == null ? 0 : Long.parseLong(v);
        }
        return sum;
    }
}
