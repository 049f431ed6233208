package com.acme.sms.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WorkerMainArgumentsTest {

    @Test
    void readsTheQueueInBothForms() {
        assertThat(WorkerMain.queueArgument(new String[] {"--queue=express"})).contains("express");
        assertThat(WorkerMain.queueArgument(new String[] {"--queue", "normal"})).contains("normal");
        assertThat(WorkerMain.queueArgument(new String[] {})).isEmpty();
        assertThat(WorkerMain.queueArgument(new String[] {"--queue"})).isEmpty();
    }
}
