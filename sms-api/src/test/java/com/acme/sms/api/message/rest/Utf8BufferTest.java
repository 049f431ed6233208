package com.acme.sms.api.message.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The export's own UTF-8 and time writing must be byte for byte what String and Instant would write. */
class Utf8BufferTest {

    @Test
    void instantsAsInstantWritesThem() throws IOException {
        Random random = new Random(42);
        for (int i = 0; i < 100_000; i++) {
            long second = random.nextLong(Instant.parse("0000-01-01T00:00:00Z").getEpochSecond(),
                    Instant.parse("9999-12-31T23:59:59Z").getEpochSecond() + 1);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(second, nano);
            assertThat(written(b -> b.instant(t))).isEqualTo(t.toString());
        }
        for (String edge : new String[] {"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z",
            "2026-12-04T10:15:30.100Z", "2026-12-04T10:15:30.000100Z", "2026-12-04T10:15:30.000000100Z",
            "-0001-12-31T23:59:59Z", "+10000-01-01T00:00:00Z"}) {
            Instant t = Instant.parse(edge);
            assertThat(written(b -> b.instant(t))).isEqualTo(t.toString());
        }
    }

    @Test
    void textAsUtf8AcrossBufferEnds() throws IOException {
        String text = "a, \"b\"\r\n ü € 😀👍🏽 ß \u0000 \u07FF \u0800 \uFFFF end";
        for (int size = Utf8Buffer.MIN_SIZE; size < Utf8Buffer.MIN_SIZE + 40; size++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Utf8Buffer b = new Utf8Buffer(bytes, size);
            for (int i = 0; i < 5; i++) {
                b.text(text);
                b.number(-1234567890123L);
                b.ascii(',');
            }
            b.flush();
            assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo((text + "-1234567890123,").repeat(5));
        }
        // A lone surrogate is not text; it goes as '?', as String.getBytes makes it.
        assertThat(written(b -> b.text("x\uD83Dy\uDE00"))).isEqualTo("x?y?");
        assertThat(written(b -> b.number(Long.MIN_VALUE))).isEqualTo(Long.toString(Long.MIN_VALUE));
        assertThat(written(b -> b.number(0))).isEqualTo("0");
    }

    interface Write {
        void to(Utf8Buffer b) throws IOException;
    }

    private static String written(Write write) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Utf8Buffer b = new Utf8Buffer(bytes, 64);
        write.to(b);
        b.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
