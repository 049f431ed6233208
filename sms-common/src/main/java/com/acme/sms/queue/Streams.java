package com.acme.sms.queue;

import com.acme.sms.redis.RedisKeys;

/** The consumer group that the workers of every stream share. Key names live in {@link RedisKeys}. */
public final class Streams {

    public static final String GROUP = "sms-workers";

    private Streams() {}
}
