package com.acme.sms.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/token on its own (no application): keys made on first use, RS256 tokens with the right claims, bad input refused. */
class TokenScriptTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path keys;

    record Run(int exit, String out, String err) {}

    Run token(String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of("bash", Path.of("../bin/token").toAbsolutePath().normalize().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("SMS_JWT_DIR", keys.resolve("jwt").toString());
        builder.environment().remove("SMS_JWT_ISSUER");
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, err);
    }

    @Test
    void makesAKeyPairOnFirstUseAndSignsRs256TokensWithIt() throws Exception {
        Run client = token("client", "acme");
        assertThat(client.exit()).isZero();
        assertThat(client.err()).contains("created a key pair");
        Path privateKey = keys.resolve("jwt/private.pem");
        assertThat(Files.getPosixFilePermissions(privateKey)).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        String publicPem = Files.readString(keys.resolve("jwt/public.pem"));

        String[] parts = client.out().split("\\.");
        assertThat(parts).hasSize(3);
        assertThat(decode(parts[0]).path("alg").asText()).isEqualTo("RS256");
        JsonNode claims = decode(parts[1]);
        assertThat(claims.path("iss").asText()).isEqualTo("sms-local");
        assertThat(claims.path("sub").asText()).isEqualTo("acme");
        assertThat(claims.path("groups").toString()).isEqualTo("[\"client\"]");
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(3600);
        assertThat(verifies(client.out(), publicPem)).isTrue();
        assertThat(claims.path("aud").asText()).isEqualTo("sms-api");
        // a changed payload no longer verifies (one character changed for sure: the payload may hold no 'A' at all)
        String changed = parts[1].substring(0, 10) + (parts[1].charAt(10) == 'A' ? 'B' : 'A') + parts[1].substring(11);
        assertThat(verifies(parts[0] + "." + changed + "." + parts[2], publicPem)).isFalse();

        Run admin = token("admin", "ops@acme", "--ttl", "2h");
        assertThat(admin.exit()).isZero();
        assertThat(admin.err()).isEmpty();
        JsonNode adminClaims = decode(admin.out().split("\\.")[1]);
        assertThat(adminClaims.path("groups").toString()).isEqualTo("[\"admin\"]");
        assertThat(adminClaims.path("exp").asLong() - adminClaims.path("iat").asLong()).isEqualTo(7200);
        // the key pair is kept
        assertThat(Files.readString(keys.resolve("jwt/public.pem"))).isEqualTo(publicPem);
        assertThat(verifies(admin.out(), publicPem)).isTrue();

        JsonNode short_ = decode(token("client", "a", "--ttl=90").out().split("\\.")[1]);
        assertThat(short_.path("exp").asLong() - short_.path("iat").asLong()).isEqualTo(90);
    }

    @Test
    void refusesBadArgumentsWithoutPrintingAToken() throws Exception {
        for (String[] args : new String[][] {{}, {"client"}, {"root", "acme"}, {"client", "a b"}, {"client", "{acme}"},
            {"client", "x\"y"}, {"client", "-lead"}, {"client", "c".repeat(65)}, {"client", "acme", "--ttl", "soon"},
            {"client", "acme", "--ttl", "0"}, {"client", "acme", "--ttl"}, {"client", "acme", "--extra"}}) {
            Run run = token(args);
            assertThat(run.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.out()).isEmpty();
        }
    }

    private static JsonNode decode(String part) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(part));
    }

    private static boolean verifies(String token, String publicPem) throws Exception {
        String base64 = publicPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PublicKey key = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        int lastDot = token.lastIndexOf('.');
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(key);
        rs256.update(token.substring(0, lastDot).getBytes(StandardCharsets.US_ASCII));
        return rs256.verify(Base64.getUrlDecoder().decode(token.substring(lastDot + 1)));
    }
}
