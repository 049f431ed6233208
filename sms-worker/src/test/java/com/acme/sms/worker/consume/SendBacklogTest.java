package com.acme.sms.worker.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SendBacklogTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SendBacklog backlog = new SendBacklog(now::get);

    @Test
    void noFullReadYetIsNoBacklog() {
        assertThat(backlog.waiting()).isFalse();
    }

    @Test
    void aFullReadIsABacklogForTwoSecondsAfter() {
        backlog.fullBatchRead();
        assertThat(backlog.waiting()).isTrue();

        now.addAndGet(SendBacklog.HOLD_NANOS - 1);
        assertThat(backlog.waiting()).as("still within the hold").isTrue();

        now.addAndGet(1);
        assertThat(backlog.waiting()).as("the queue has been read empty-handed since").isFalse();
    }
}
