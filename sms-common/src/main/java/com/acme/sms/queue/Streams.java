package com.acme.sms.queue;

import com.acme.sms.message.MessageType;

/**
 * Names of the Redis streams and the consumer group. The stream keys are the seed's queue names, so tools that
 * watch {@code sms:normal} and {@code sms:express} keep working.
 */
public final class Streams {

    public static final String GROUP = "sms-workers";

    private Streams() {}

    public static String key(MessageType type) {
        return "sms:" + type.wireName();
    }

    /** Messages waiting for a retry: a sorted set scored by due time, moved back into the stream when due. */
    public static String retryKey(MessageType type) {
        return "sms:retry:" + type.wireName();
    }

    /** Entries a worker could not process (undecodable, or failing again and again) are moved here for operators. */
    public static String deadLetterKey(MessageType type) {
        return "sms:" + type.wireName() + ":dead";
    }
}
