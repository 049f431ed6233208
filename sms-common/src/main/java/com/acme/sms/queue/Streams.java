package com.acme.sms.queue;

import com.acme.sms.message.MessageType;
import com.acme.sms.redis.RedisKeys;

/** The consumer group that the workers of every stream share. Key names live in {@link RedisKeys}. */
public final class Streams {

    public static final String GROUP = "sms-workers";

    private Streams() {}

    /** @deprecated kept only until QueueScripts and the worker use {@link RedisKeys#stream(MessageType)} */
    @Deprecated(forRemoval = true)
    public static String key(MessageType type) {
        return RedisKeys.stream(type);
    }

    /** @deprecated kept only until QueueScripts and the worker use {@link RedisKeys#retryKey(MessageType)} */
    @Deprecated(forRemoval = true)
    public static String retryKey(MessageType type) {
        return RedisKeys.retryKey(type);
    }

    /** @deprecated kept only until the worker uses {@link RedisKeys#deadLetterKey(MessageType)} */
    @Deprecated(forRemoval = true)
    public static String deadLetterKey(MessageType type) {
        return RedisKeys.deadLetterKey(type);
    }
}
