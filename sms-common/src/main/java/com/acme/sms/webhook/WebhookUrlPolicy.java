package com.acme.sms.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Which webhook URLs the system may call. A webhook URL is a door into the network the workers run in (SSRF): by
 * default only {@code https} URLs whose host resolves to public addresses only are allowed. Checked when a client
 * registers the URL and again before every delivery, since what a name resolves to can change.
 *
 * @param allowHttp also {@code http} URLs (local development: {@code sms.webhooks.allow-http})
 * @param allowPrivateAddresses also loopback, private, link-local and other non-public addresses
 *        ({@code sms.webhooks.allow-private-addresses})
 */
public record WebhookUrlPolicy(boolean allowHttp, boolean allowPrivateAddresses) {

    /** The longest URL accepted. */
    public static final int MAX_LENGTH = 2048;

    /** The URL is not one this policy lets the system call; the message says why, for the client. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    /** Checks the URL's form only (scheme, host, no credentials), without resolving its host. */
    public URI parse(String url) throws Refused {
        if (url == null || url.isBlank()) {
            throw new Refused("url is required");
        }
        if (url.length() > MAX_LENGTH) {
            throw new Refused("url is longer than " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("url is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
            throw new Refused(allowHttp ? "url must be an http or https URL" : "url must be an https URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new Refused("url has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("url must not carry a user name or password");
        }
        if (uri.getRawFragment() != null) {
            throw new Refused("url must not have a fragment");
        }
        return uri;
    }

    /** Checks the URL and every address its host resolves to now; returns the URI to call. */
    public URI check(String url) throws Refused {
        URI uri = parse(url);
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new Refused("the host of url (" + uri.getHost() + ") does not resolve");
        } catch (SecurityException | IllegalArgumentException e) {
            throw new Refused("the host of url (" + uri.getHost() + ") is not valid");
        }
        if (!allowPrivateAddresses) {
            for (InetAddress a : addresses) {
                if (!isPublic(a)) {
                    throw new Refused("the host of url resolves to " + a.getHostAddress()
                            + ", which is not a public address");
                }
            }
        }
        return uri;
    }

    /**
     * Whether the address is a public unicast address: not loopback, private (RFC 1918, IPv6 unique local),
     * link-local (169.254.0.0/16 holds the cloud providers' metadata service), multicast, unspecified, carrier-grade
     * NAT (100.64.0.0/10), benchmarking, documentation or reserved ranges, nor an IPv6 address that embeds one.
     */
    public static boolean isPublic(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return isPublicV4(b, 0);
        }
        if (a instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) { // fc00::/7 unique local
                return false;
            }
            if (first == 0xfe && (b[1] & 0xc0) == 0xc0) { // fec0::/10 old site-local
                return false;
            }
            if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) { // ::ffff:a.b.c.d
                return isPublicV4(b, 12);
            }
            if (isZero(b, 0, 12)) { // ::a.b.c.d (deprecated compatible) and ::, ::1
                return false;
            }
            if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                return isPublicV4(b, 12); // 64:ff9b::/96, NAT64
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) { // 2002::/16, 6to4: the IPv4 address follows
                return isPublicV4(b, 2);
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
            return true;
        }
        return false;
    }

    private static boolean isPublicV4(byte[] b, int at) {
        int a0 = b[at] & 0xff;
        int a1 = b[at + 1] & 0xff;
        int a2 = b[at + 2] & 0xff;
        return !(a0 == 0 // "this network"
                || a0 == 10 || a0 == 127 || a0 >= 224 // private, loopback, multicast and reserved
                || (a0 == 100 && (a1 & 0xc0) == 64) // 100.64.0.0/10 carrier-grade NAT
                || (a0 == 169 && a1 == 254) // link-local, the metadata service
                || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168) // private
                || (a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2)) // IETF protocol assignments, TEST-NET-1
                || (a0 == 198 && (a1 & 0xfe) == 18) // benchmarking
                || (a0 == 198 && a1 == 51 && a2 == 100) || (a0 == 203 && a1 == 0 && a2 == 113)); // TEST-NET-2, -3
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
