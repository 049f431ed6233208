package com.acme.sms.worker.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SendBacklogTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SendBacklog backlog = new SendBacklog(4000, now::get);

    @Test
    void nothingReportedIsNoBacklog() {
        assertThat(backlog.waiting()).isFalse();
    }

    @Test
    void aFullReadWithAShortQueueBehindItIsNoBacklog() {
        backlog.queueLength(4000);
        assertThat(backlog.waiting()).as("the workers keep up: a steady load").isFalse();
    }

    @Test
    void aLongQueueIsABacklogUntilAShortOneIsReportedOrNoneForTwoSeconds() {
        backlog.queueLength(4001);
        assertThat(backlog.waiting()).isTrue();
        now.addAndGet(SendBacklog.HOLD_NANOS - 1);
        assertThat(backlog.waiting()).as("still within the hold").isTrue();
        now.addAndGet(1);
        assertThat(backlog.waiting()).as("no full read since: the queue ran short").isFalse();

        backlog.queueLength(1_000_000);
        backlog.queueLength(10);
        assertThat(backlog.waiting()).as("drained").isFalse();
    }
}
