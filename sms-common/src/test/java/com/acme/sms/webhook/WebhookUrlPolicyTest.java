package com.acme.sms.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The SSRF rules for webhook URLs, and the signature a receiver checks. */
class WebhookUrlPolicyTest {

    static final WebhookUrlPolicy STRICT = new WebhookUrlPolicy(false, false);

    @Test
    void anHttpsUrlToAPublicAddressIsAllowed() throws Exception {
        assertThat(STRICT.check("https://93.184.216.34/sms-events?x=1").getHost()).isEqualTo("93.184.216.34");
        assertThat(STRICT.check("https://[2606:2800:220:1:248:1893:25c8:1946]:8443/hook").getPort()).isEqualTo(8443);
    }

    @Test
    void nonPublicAddressesAreRefusedUnlessAllowed() {
        for (String url : new String[] {"https://127.0.0.1/", "https://localhost:8443/hook", "https://10.1.2.3/",
            "https://172.16.0.1/", "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data/",
            "https://100.64.0.1/", "https://0.0.0.0/", "https://224.0.0.1/", "https://[::1]/", "https://[fd00::1]/",
            "https://[fe80::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:169.254.169.254]/",
            "https://[2002:7f00:1::]/", "https://[64:ff9b::a00:1]/"}) {
            assertThatThrownBy(() -> STRICT.check(url)).as(url).isInstanceOf(WebhookUrlPolicy.Refused.class)
                    .hasMessageContaining("not a public address");
        }
        WebhookUrlPolicy dev = new WebhookUrlPolicy(true, true);
        assertThat(catchNothing(() -> dev.check("http://127.0.0.1:9999/hook"))).isTrue();
        assertThat(catchNothing(() -> dev.check("https://localhost/hook"))).isTrue();
    }

    @Test
    void onlyHttpsWithAHostAndNoCredentialsIsAllowed() {
        assertThatThrownBy(() -> STRICT.check("http://93.184.216.34/")).hasMessageContaining("must be an https URL");
        assertThatThrownBy(() -> STRICT.check("ftp://93.184.216.34/")).isInstanceOf(WebhookUrlPolicy.Refused.class);
        assertThatThrownBy(() -> STRICT.check("file:///etc/passwd")).isInstanceOf(WebhookUrlPolicy.Refused.class);
        assertThatThrownBy(() -> STRICT.check("https:///nohost")).hasMessageContaining("no host");
        assertThatThrownBy(() -> STRICT.check("https://user:pw@93.184.216.34/"))
                .hasMessageContaining("user name or password");
        assertThatThrownBy(() -> STRICT.check("https://93.184.216.34/ spaces")).hasMessageContaining("not a valid URL");
        assertThatThrownBy(() -> STRICT.check("https://no-such-host.invalid/")).hasMessageContaining("does not resolve");
        assertThatThrownBy(() -> STRICT.check(null)).hasMessageContaining("required");
        assertThatThrownBy(() -> STRICT.check("https://93.184.216.34/" + "a".repeat(3000))).hasMessageContaining("longer");
    }

    @Test
    void publicMeansNoneOfTheSpecialRanges() throws Exception {
        assertThat(WebhookUrlPolicy.isPublic(InetAddress.getByName("8.8.8.8"))).isTrue();
        assertThat(WebhookUrlPolicy.isPublic(InetAddress.getByName("172.32.0.1"))).isTrue();
        assertThat(WebhookUrlPolicy.isPublic(InetAddress.getByName("172.31.255.255"))).isFalse();
        assertThat(WebhookUrlPolicy.isPublic(InetAddress.getByName("198.18.0.1"))).isFalse();
        assertThat(WebhookUrlPolicy.isPublic(InetAddress.getByName("2001:db8::1"))).isFalse();
        assertThat(WebhookUrlPolicy.isPublic(InetAddress.getByName("2a00:1450:4001::1"))).isTrue();
    }

    /** The signature is what a receiver computes from the header's timestamp and the raw body (README). */
    @Test
    void theSignatureIsTheHmacOfTimestampDotBody() throws Exception {
        byte[] body = "{\"events\":[]}".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("0123456789abcdef".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "v1=" + HexFormat.of().formatHex(mac.doFinal("1764900000.{\"events\":[]}".getBytes(
                StandardCharsets.UTF_8)));
        assertThat(WebhookSignature.sign("0123456789abcdef", 1764900000L, body)).isEqualTo(expected);
        assertThat(WebhookSignature.sign("0123456789abcdef", 1764900001L, body)).isNotEqualTo(expected);
    }

    private interface Call {
        void run() throws Exception;
    }

    private static boolean catchNothing(Call call) {
        try {
            call.run();
            return true;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
