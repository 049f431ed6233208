package com.acme.sms.api.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.api.error.ApiException;
import com.acme.sms.credit.ClientIds;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/**
 * Properties of the request rules and the client id check, run by the jqwik engine directly under Surefire (no
 * application needed). The same rules are exercised over HTTP by HostileRequestsTest.
 */
class RequestRulesTest {

    @Property
    void aControlCharacterAnywhereInAHeaderValueIsRefused(@ForAll @StringLength(max = 100) String before,
            @ForAll("controls") char control, @ForAll @StringLength(max = 100) String after, @ForAll("headerNames") String name) {
        ApiException refused = RequestRules.checkHeaders(Map.of(name, List.of(printable(before) + control + printable(after))));
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.code()).isEqualTo("invalid-header");
    }

    @Property
    void printableHeaderValuesOfSaneLengthPass(@ForAll @CharRange(from = ' ', to = '~') @StringLength(max = 300) String ascii,
            @ForAll @CharRange(from = 0xA0, to = 0xFF) @StringLength(max = 50) String latin1, @ForAll("headerNames") String name) {
        assertThat(RequestRules.checkHeaders(Map.of(name, List.of(ascii + "\t" + latin1)))).isNull();
    }

    @Property(tries = 50)
    void overlongHeaderValuesAreRefused(@ForAll @IntRange(min = 1, max = 5000) int excess, @ForAll("headerNames") String name) {
        ApiException refused = RequestRules.checkHeaders(Map.of(name, List.of("v".repeat(RequestRules.MAX_HEADER_VALUE + excess))));
        assertThat(refused).isNotNull();
        assertThat(refused.code()).isEqualTo("invalid-header");
    }

    @Property
    void aSecondCopyOfAnIdentityHeaderIsRefusedWhateverItsSpelling(@ForAll("singleHeaders") String name,
            @ForAll("spellings") int spelling) {
        String other = spelling == 0 ? name.toLowerCase() : spelling == 1 ? name.toUpperCase() : name;
        Map<String, List<String>> headers = other.equals(name)
                ? Map.of(name, List.of("a", "b"))
                : Map.of(name, List.of("a"), other, List.of("b"));
        assertThat(RequestRules.checkHeaders(headers)).isNotNull().extracting(ApiException::code).isEqualTo("duplicate-header");
    }

    @Property
    void aControlCharacterInAnyQueryValueIsRefused(@ForAll("parameterNames") String name,
            @ForAll @StringLength(max = 50) String before, @ForAll("queryControls") char control) {
        ApiException refused = RequestRules.checkQuery(name + "=x", Map.of(name, List.of(printable(before) + control)));
        assertThat(refused).isNotNull();
        assertThat(refused.code()).isEqualTo("invalid-parameter");
    }

    @Property(tries = 50)
    void overlongQueriesAndValuesAreRefused(@ForAll @IntRange(min = 1, max = 3000) int excess) {
        assertThat(RequestRules.checkQuery("q=" + "x".repeat(RequestRules.MAX_QUERY_LENGTH + excess), Map.of())).isNotNull();
        assertThat(RequestRules.checkQuery("q=x", Map.of("q", List.of("x".repeat(RequestRules.MAX_QUERY_VALUE + excess % 500 + 1)))))
                .isNotNull();
    }

    @Property
    void clientIdsOutsideTheSafeAlphabetAreRefusedSoTheyCannotBreakKeysOrQueries(@ForAll @StringLength(min = 1, max = 80) String id) {
        boolean safe = id.length() <= ClientIds.MAX_LENGTH && id.matches("[A-Za-z0-9][A-Za-z0-9._@-]*");
        Assume.that(!safe);
        assertThatThrownBy(() -> Caller.clientId(id)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
        // never a Redis hash tag, a quote, a space or a control character in an accepted id
        assertThat(ClientIds.isValid(id)).isFalse();
    }

    @Provide
    Arbitrary<Character> controls() {
        return Arbitraries.oneOf(Arbitraries.chars().range((char) 0, (char) 8), Arbitraries.chars().range((char) 10, (char) 0x1F),
                Arbitraries.just((char) 0x7F));
    }

    @Provide
    Arbitrary<Character> queryControls() {
        return Arbitraries.oneOf(Arbitraries.chars().range((char) 0, (char) 0x1F), Arbitraries.chars().range((char) 0x7F, (char) 0x9F));
    }

    @Provide
    Arbitrary<String> headerNames() {
        return Arbitraries.of("X-Client-ID", "X-SMS-TYPE", "Idempotency-Key", "Authorization", "User-Agent", "X-Anything");
    }

    @Provide
    Arbitrary<String> singleHeaders() {
        return Arbitraries.of("X-Client-ID", "X-SMS-TYPE", "Idempotency-Key", "Authorization", "X-Admin-Key");
    }

    @Provide
    Arbitrary<Integer> spellings() {
        return Arbitraries.integers().between(0, 2);
    }

    @Provide
    Arbitrary<String> parameterNames() {
        return Arbitraries.of("status", "type", "from_date", "to_date", "page", "page_size", "count", "client", "anything");
    }

    /** The string without control characters, so that only the one added on purpose is there. */
    private static String printable(String s) {
        return s.replaceAll("[\\x00-\\x1F\\x7F-\\x9F]", "");
    }
}
