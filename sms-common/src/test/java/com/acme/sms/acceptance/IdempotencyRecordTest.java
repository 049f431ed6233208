package com.acme.sms.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The record format accept.lua writes; the script itself is tested against Redis in sms-api's AcceptScriptTest. */
class IdempotencyRecordTest {

    private static final UUID A = UUID.fromString("0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b");
    private static final UUID B = UUID.fromString("0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6c");

    @Test
    void readsWhatTheScriptWrites() {
        assertThat(IdempotencyRecord.parse("abc|2|8|1764051718230|" + A + "," + B + "|1,3"))
                .contains(new IdempotencyRecord("abc", 2, 8, 1764051718230L, List.of(A, B), List.of(1, 3)));
        assertThat(IdempotencyRecord.parse("abc|2|8|1764051718230|" + A + "," + B + "|"))
                .contains(new IdempotencyRecord("abc", 2, 8, 1764051718230L, List.of(A, B), List.of()));
    }

    @Test
    void aRecordFromBeforeOptOutsHasNoneOptedOut() {
        assertThat(IdempotencyRecord.parse("abc|2|8|1764051718230|" + A + "," + B))
                .contains(new IdempotencyRecord("abc", 2, 8, 1764051718230L, List.of(A, B), List.of()));
    }

    @Test
    void aRequestWithNothingAcceptedHasNoIds() {
        assertThat(IdempotencyRecord.parse("abc|0|0|1764051718230|"))
                .contains(new IdempotencyRecord("abc", 0, 0, 1764051718230L, List.of(), List.of()));
    }

    @Test
    void anythingElseIsNoRecord() {
        assertThat(IdempotencyRecord.parse(null)).isEmpty();
        assertThat(IdempotencyRecord.parse("abc|2|8|1764051718230")).isEmpty();
        assertThat(IdempotencyRecord.parse("abc|2|8|1764051718230|" + A)).as("fewer ids than accepted").isEmpty();
        assertThat(IdempotencyRecord.parse("abc|x|8|1764051718230|")).isEmpty();
        assertThat(IdempotencyRecord.parse("abc|1|8|1764051718230|not-a-uuid")).isEmpty();
        assertThat(IdempotencyRecord.parse("abc|1|8|1764051718230|" + A + "|x")).as("unreadable positions").isEmpty();
        assertThat(IdempotencyRecord.parse("abc|1|8|1764051718230|" + A + "|1|2")).isEmpty();
    }
}
