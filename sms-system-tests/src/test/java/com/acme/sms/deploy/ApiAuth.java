package com.acme.sms.deploy;

import static com.acme.sms.deploy.ComposeFileTest.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.system.BuiltApp;
import io.smallrye.config.common.utils.StringUtil;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The API's authentication settings (docs/security.md) as the deployment files set them, held against the code:
 * {@code sms.auth.mode} against the configuration mapping the built API declares for it (its enum of modes and its
 * default), the {@code mp.jwt.*} keys against smallrye-jwt, the local issuer and key folder against {@code bin/token}.
 */
final class ApiAuth {

    static final Path API_MODULE = ROOT.resolve(BuiltApp.API.module);
    static final Path BIN_TOKEN = ROOT.resolve("bin/token");

    /** The key of docs/security.md; the built API must declare it (a rename fails every check below). */
    static final String MODE_KEY = "sms.auth.mode";
    static final String KEY_LOCATION_KEY = "mp.jwt.verify.publickey.location";
    static final String ISSUER_KEY = "mp.jwt.verify.issuer";
    static final String MODE_ENV = ComposeFileTest.envName(MODE_KEY);
    static final String KEY_LOCATION_ENV = ComposeFileTest.envName(KEY_LOCATION_KEY);
    static final String ISSUER_ENV = ComposeFileTest.envName(ISSUER_KEY);
    /** Header mode's admin key: jwt mode ignores it (admin is the token's role), so a jwt deployment sets none. */
    static final String ADMIN_KEY_ENV = "SMS_API_ADMIN_KEY";
    static final String JWT = "jwt";

    /**
     * The MicroProfile JWT keys smallrye-jwt reads: the {@code @ConfigProperty} names {@code mp.jwt.*} of
     * {@code io.smallrye.jwt.config.JWTAuthContextInfoProvider} (smallrye-jwt 4.6.3, from quarkus-smallrye-jwt
     * 3.33.2; the same as the MicroProfile JWT 2.1 specification's). Only these {@code MP_JWT_*} variables are
     * accepted; a typo ({@code MP_JWT_VERIFY_PUBLICKEY_LOCATON}) would be ignored by the API, which in jwt mode
     * then refuses to start.
     */
    static final Set<String> MP_JWT_KEYS = Set.of(
            "mp.jwt.verify.publickey",
            KEY_LOCATION_KEY,
            "mp.jwt.verify.publickey.algorithm",
            ISSUER_KEY,
            "mp.jwt.verify.audiences",
            "mp.jwt.verify.clock.skew",
            "mp.jwt.verify.token.age",
            "mp.jwt.token.header",
            "mp.jwt.token.cookie",
            "mp.jwt.decrypt.key.location",
            "mp.jwt.decrypt.key.algorithm");

    private ApiAuth() {}

    /** Whether the module reads mp.jwt.* at all: only with smallrye-jwt (quarkus-smallrye-jwt) in its pom. */
    static boolean readsJwtConfig(Path module) {
        return ComposeFileTest.read(module.resolve("pom.xml")).contains("<artifactId>quarkus-smallrye-jwt</artifactId>");
    }

    /** The MP_JWT_* environment variables the module reads: smallrye-jwt's keys, if the module has it. */
    static Set<String> jwtEnvNames(Path module) {
        return readsJwtConfig(module) ? MP_JWT_KEYS.stream().map(ComposeFileTest::envName).collect(Collectors.toSet())
                : Set.of();
    }

    /** The constants of the enum sms.auth.mode converts to, as the built API declares it. */
    static List<String> modes() {
        Class<?> type = BuiltApp.API.configKey(MODE_KEY).type();
        assertThat(type.isEnum()).as(MODE_KEY + ": an enum of modes (" + type + ")").isTrue();
        List<String> modes = new ArrayList<>();
        for (Object c : type.getEnumConstants()) {
            modes.add(((Enum<?>) c).name());
        }
        assertThat(modes).as(type.getName() + ": the modes these checks know").contains("HEADER", "JWT");
        return modes;
    }

    /**
     * The Mode a value converts to, as SmallRye Config converts enums (its HyphenateEnumConverter: the trimmed
     * value, hyphenated, against the hyphenated constants: "jwt", "JWT"), or empty: the API would not start.
     */
    static Optional<String> parseMode(String value) {
        String wanted = StringUtil.skewer(value.trim());
        return modes().stream().filter(m -> StringUtil.skewer(m).equals(wanted)).findFirst();
    }

    /** The mode the API runs in with this environment: the variable, else application.properties, else the default. */
    static String mode(Map<String, ?> env) {
        Object fromEnv = env.get(MODE_ENV);
        String value = fromEnv != null ? fromEnv.toString()
                : ComposeFileTest.appConfig(API_MODULE).getOrDefault(MODE_KEY, modeDefault());
        Optional<String> mode = parseMode(value);
        assertThat(mode).as(MODE_KEY + "=" + value + ": a mode AuthConfig accepts (" + modes() + ")").isPresent();
        return mode.get().toLowerCase(Locale.ROOT);
    }

    static String modeDefault() {
        BuiltApp.ConfigKey key = BuiltApp.API.configKey(MODE_KEY);
        assertThat(key.defaultValue()).as(MODE_KEY + ": a default in " + key.declaredBy()).isPresent();
        return key.defaultValue().get();
    }

    /**
     * The API's settings in its environment {@code env}: a mode it accepts, and in jwt mode the key location and the
     * issuer without which it refuses to start, and no admin key. Returns the mode.
     */
    static String assertSettings(String where, Map<String, ?> env) {
        String mode = mode(env);
        if (mode.equals(JWT)) {
            assertThat(value(env, KEY_LOCATION_ENV))
                    .as(where + ": jwt mode needs " + KEY_LOCATION_ENV + " (a PEM file or a JWKS URL)")
                    .isNotBlank();
            assertThat(value(env, ISSUER_ENV)).as(where + ": jwt mode needs " + ISSUER_ENV).isNotBlank();
            assertThat(env).as(where + ": " + ADMIN_KEY_ENV + " has no effect in jwt mode (admin is the token's role)")
                    .doesNotContainKey(ADMIN_KEY_ENV);
            String location = value(env, KEY_LOCATION_ENV);
            if (!location.startsWith("/")) {
                URI jwks = URI.create(location);
                assertThat(jwks.getScheme())
                        .as(where + ": " + KEY_LOCATION_ENV + " is an absolute file path or an https JWKS URL")
                        .isEqualTo("https");
                assertThat(jwks.getHost()).as(where + ": JWKS host").isNotBlank();
            }
        }
        return mode;
    }

    static String value(Map<String, ?> env, String name) {
        Object v = env.get(name);
        return v == null ? "" : v.toString().trim();
    }

    /** bin/token's key folder when SMS_JWT_DIR is unset, relative to the repository root. */
    static String binTokenKeyDir() {
        Matcher m = Pattern.compile("(?m)^KEY_DIR=\\$\\{SMS_JWT_DIR:-\\$ROOT/([^}]+)}")
                .matcher(ComposeFileTest.read(BIN_TOKEN));
        assertThat(m.find()).as("bin/token: KEY_DIR=${SMS_JWT_DIR:-$ROOT/...}").isTrue();
        assertThat(ComposeFileTest.read(BIN_TOKEN)).as("bin/token writes the public key as public.pem")
                .contains("-pubout -out \"$KEY_DIR/public.pem\"");
        return m.group(1);
    }

    /** bin/token's issuer when SMS_JWT_ISSUER is unset. */
    static String binTokenIssuer() {
        Matcher m = Pattern.compile("(?m)^ISSUER=\\$\\{SMS_JWT_ISSUER:-([^}]+)}").matcher(ComposeFileTest.read(BIN_TOKEN));
        assertThat(m.find()).as("bin/token: ISSUER=${SMS_JWT_ISSUER:-...}").isTrue();
        return m.group(1);
    }

}
