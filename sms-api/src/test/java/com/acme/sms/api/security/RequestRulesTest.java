package com.acme.sms.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.api.error.ProblemException;
import com.acme.sms.credit.ClientIds;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Properties of the request rules and the client id check, each checked on many generated inputs (no application
 * needed). The inputs come from a {@link Random} with a fixed seed, printed once; {@code -Dhostile.seed=N} replays
 * another ({@code random} draws a new one). A failure names the property, the input and the seed. The same rules are
 * exercised over HTTP by HostileRequestsTest.
 */
class RequestRulesTest {

    static final String SEED_PROPERTY = "hostile.seed";
    static final long DEFAULT_SEED = 20_240_611L;
    static final int TRIES = 1000;

    static final String[] HEADER_NAMES = {"X-Client-ID", "X-SMS-TYPE", "Idempotency-Key", "Authorization", "User-Agent",
        "X-Anything"};
    static final String[] SINGLE_HEADERS = {"X-Client-ID", "X-SMS-TYPE", "Idempotency-Key", "Authorization", "X-Admin-Key"};
    static final String[] PARAMETER_NAMES = {"status", "type", "from_date", "to_date", "page", "page_size", "count",
        "client", "anything"};
    static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-";

    static long seed;

    @BeforeAll
    static void seed() {
        String value = System.getProperty(SEED_PROPERTY);
        seed = value == null || value.isBlank() ? DEFAULT_SEED
                : value.equalsIgnoreCase("random") ? new Random().nextLong() : Long.parseLong(value.strip());
        System.out.printf("RequestRulesTest: seed %d (replay with -D%s=%d)%n", seed, SEED_PROPERTY, seed);
    }

    // ------------------------------------------------------------------------------------------ the properties ----

    record HeaderInput(String name, String value) {}

    @Test
    void aControlCharacterAnywhereInAHeaderValueIsRefused() {
        forAll("a control character anywhere in a header value is refused", TRIES,
                r -> new HeaderInput(oneOf(r, HEADER_NAMES), printable(anyString(r, 0, 100)) + headerControl(r)
                        + printable(anyString(r, 0, 100))),
                in -> {
                    ProblemException refused = RequestRules.checkHeaders(Map.of(in.name(), List.of(in.value())));
                    assertThat(refused).isNotNull();
                    assertThat(refused.status()).isEqualTo(400);
                    assertThat(refused.code()).isEqualTo("invalid-header");
                });
    }

    @Test
    void printableHeaderValuesOfSaneLengthPass() {
        forAll("printable header values of sane length pass", TRIES,
                r -> new HeaderInput(oneOf(r, HEADER_NAMES),
                        chars(r, ' ', '~', 0, 300) + "\t" + chars(r, (char) 0xA0, (char) 0xFF, 0, 50)),
                in -> assertThat(RequestRules.checkHeaders(Map.of(in.name(), List.of(in.value())))).isNull());
    }

    record OverlongHeader(String name, int excess) {}

    @Test
    void overlongHeaderValuesAreRefused() {
        forAll("overlong header values are refused", 50,
                r -> new OverlongHeader(oneOf(r, HEADER_NAMES), between(r, 1, 5000)),
                in -> {
                    ProblemException refused = RequestRules.checkHeaders(
                            Map.of(in.name(), List.of("v".repeat(RequestRules.MAX_HEADER_VALUE + in.excess()))));
                    assertThat(refused).isNotNull();
                    assertThat(refused.code()).isEqualTo("invalid-header");
                });
    }

    /** Every identity header in every spelling: few enough to try all. */
    @Test
    void aSecondCopyOfAnIdentityHeaderIsRefusedWhateverItsSpelling() {
        for (String name : SINGLE_HEADERS) {
            for (int spelling = 0; spelling < 3; spelling++) {
                String other = spelling == 0 ? name.toLowerCase() : spelling == 1 ? name.toUpperCase() : name;
                Map<String, List<String>> headers = other.equals(name)
                        ? Map.of(name, List.of("a", "b"))
                        : Map.of(name, List.of("a"), other, List.of("b"));
                assertThat(RequestRules.checkHeaders(headers)).as("headers %s", headers)
                        .isNotNull().extracting(ProblemException::code).isEqualTo("duplicate-header");
            }
        }
    }

    record QueryInput(String name, String value) {}

    @Test
    void aControlCharacterInAnyQueryValueIsRefused() {
        forAll("a control character in any query value is refused", TRIES,
                r -> new QueryInput(oneOf(r, PARAMETER_NAMES), printable(anyString(r, 0, 50)) + queryControl(r)),
                in -> {
                    ProblemException refused = RequestRules.checkQuery(in.name() + "=x",
                            Map.of(in.name(), List.of(in.value())));
                    assertThat(refused).isNotNull();
                    assertThat(refused.code()).isEqualTo("invalid-parameter");
                });
    }

    @Test
    void overlongQueriesAndValuesAreRefused() {
        forAll("overlong queries and values are refused", 50, r -> between(r, 1, 3000), excess -> {
            assertThat(RequestRules.checkQuery("q=" + "x".repeat(RequestRules.MAX_QUERY_LENGTH + excess), Map.of()))
                    .isNotNull();
            assertThat(RequestRules.checkQuery("q=x",
                    Map.of("q", List.of("x".repeat(RequestRules.MAX_QUERY_VALUE + excess % 500 + 1)))))
                    .isNotNull();
        });
    }

    @Test
    void clientIdsOutsideTheSafeAlphabetAreRefusedSoTheyCannotBreakKeysOrQueries() {
        int[] checked = {0};
        forAll("client ids outside the safe alphabet are refused", TRIES, RequestRulesTest::clientIdCandidate, id -> {
            boolean safe = id.length() <= ClientIds.MAX_LENGTH && id.matches("[A-Za-z0-9][A-Za-z0-9._@-]*");
            if (safe) {
                return; // not a case of this property
            }
            checked[0]++;
            assertThatThrownBy(() -> Caller.clientId(id)).isInstanceOf(ProblemException.class)
                    .satisfies(e -> assertThat(((ProblemException) e).status()).isEqualTo(400));
            // never a Redis hash tag, a quote, a space or a control character in an accepted id
            assertThat(ClientIds.isValid(id)).isFalse();
        });
        assertThat(checked[0]).as("unsafe ids checked (seed %d)", seed).isGreaterThan(TRIES / 2);
    }

    // ------------------------------------------------------------------------------------------ the generator ----

    interface Check<T> {
        void accept(T input) throws Exception;
    }

    /** Checks the property on {@code tries} inputs; the first failure names the property, the input and the seed. */
    static <T> void forAll(String property, int tries, Function<Random, T> generator, Check<T> check) {
        Random random = new Random(seed ^ property.hashCode());
        for (int i = 1; i <= tries; i++) {
            T input = generator.apply(random);
            try {
                check.accept(input);
            } catch (AssertionError | Exception e) {
                throw new AssertionError(String.format("%s: failed on input %d of %d (seed %d, replay with -D%s=%d)%n"
                        + "  input: %s%n  failure: %s", property, i, tries, seed, SEED_PROPERTY, seed,
                        escape(String.valueOf(input)), e), e);
            }
        }
    }

    static String oneOf(Random r, String[] values) {
        return values[r.nextInt(values.length)];
    }

    static int between(Random r, int min, int max) {
        return switch (r.nextInt(10)) {
            case 0 -> min;
            case 1 -> max;
            default -> min + r.nextInt(max - min + 1);
        };
    }

    /** A length from min to max, the shortest and the longest more often than by chance. */
    static int length(Random r, int min, int max) {
        return switch (r.nextInt(8)) {
            case 0 -> min;
            case 1 -> max;
            case 2 -> min + r.nextInt(Math.min(4, max - min + 1));
            default -> min + r.nextInt(max - min + 1);
        };
    }

    /** Characters from the range. */
    static String chars(Random r, char from, char to, int min, int max) {
        int length = length(r, min, max);
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append((char) (from + r.nextInt(to - from + 1)));
        }
        return s.toString();
    }

    /**
     * Any string: printable ASCII, C0 and C1 controls, Latin-1, any character of the Basic Multilingual Plane
     * (including lone surrogates) and characters beyond it (surrogate pairs); length in chars, from min to max.
     */
    static String anyString(Random r, int min, int max) {
        int length = length(r, min, max);
        StringBuilder s = new StringBuilder(length);
        while (s.length() < length) {
            int kind = r.nextInt(10);
            if (kind < 4) {
                s.append((char) (0x20 + r.nextInt(0x5F)));
            } else if (kind < 5) {
                s.append(r.nextBoolean() ? (char) r.nextInt(0x20) : (char) (0x7F + r.nextInt(0x21)));
            } else if (kind < 7) {
                s.append((char) (0xA0 + r.nextInt(0x60)));
            } else if (kind < 9 || s.length() + 2 > length) {
                s.append((char) r.nextInt(0x10000));
            } else {
                s.appendCodePoint(0x10000 + r.nextInt(0x10FFFF - 0x10000 + 1));
            }
        }
        return s.toString();
    }

    /** NUL to backspace, LF to U+001F, or DEL: what a header value may never hold (tab it may). */
    static char headerControl(Random r) {
        int pick = r.nextInt(0x1F + 1);
        return pick == 0x1F ? (char) 0x7F : pick < 9 ? (char) pick : (char) (pick + 1);
    }

    /** Any C0 control (tab included), DEL or C1 control. */
    static char queryControl(Random r) {
        int pick = r.nextInt(0x20 + 0x21);
        return pick < 0x20 ? (char) pick : (char) (0x7F + pick - 0x20);
    }

    /**
     * A candidate client id: any string, or one that is nearly valid (an outside character slipped in, one too long,
     * or a bad first character).
     */
    static String clientIdCandidate(Random r) {
        switch (r.nextInt(4)) {
            case 0 -> {
                StringBuilder id = new StringBuilder(chars(r, 'a', 'z', 1, 40));
                id.insert(r.nextInt(id.length() + 1), anyString(r, 1, 1));
                return id.toString();
            }
            case 1 -> {
                return "a" + idChars(r, ClientIds.MAX_LENGTH + between(r, 0, 15));
            }
            case 2 -> {
                return oneOf(r, new String[] {".", "_", "@", "-", " ", "{", "'"}) + idChars(r, r.nextInt(20));
            }
            default -> {
                return anyString(r, 1, 80);
            }
        }
    }

    private static String idChars(Random r, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(ID_ALPHABET.charAt(r.nextInt(ID_ALPHABET.length())));
        }
        return s.toString();
    }

    /** The string without control characters, so that only the one added on purpose is there. */
    private static String printable(String s) {
        return s.replaceAll("[\\x00-\\x1F\\x7F-\\x9F]", "");
    }

    /** Control, non-ASCII and surrogate characters as \\uXXXX, so that a failure message shows the input exactly. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c > 0x7E) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
