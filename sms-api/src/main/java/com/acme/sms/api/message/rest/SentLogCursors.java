package com.acme.sms.api.message.rest;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.SentLog;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The sent-log's cursors: where the next page starts, sealed so that a client can only hand back what the API gave
 * it. A cursor is base64url of a version, the position (queued_at and id of the page's last message), the next
 * page's number, and an HMAC-SHA256 over all of that with the client and the filters it was made for. Another
 * client's cursor, a cursor with other filters or page size, and an altered one are refused alike: they would page
 * through something else than the client believes, and the client would never notice.
 * <p>
 * The key must be the same on every API instance, or a cursor from one is refused by the next: it is
 * {@code sms.api.cursor-secret}, else derived from {@code sms.api.admin-key}, else random for this process (logged
 * at start, once).
 */
@Startup
@ApplicationScoped
public class SentLogCursors {

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte VERSION = 1;
    /** Version, queued_at in microseconds, id, page number. */
    private static final int BODY_BYTES = 1 + Long.BYTES + 2 * Long.BYTES + Integer.BYTES;
    private static final int MAC_BYTES = 32;
    /** base64url without padding of the body and its MAC. */
    static final int LENGTH = (4 * (BODY_BYTES + MAC_BYTES) + 2) / 3;

    private final SecretKeySpec key;

    @Inject
    public SentLogCursors(ApiConfig config) {
        this(key(config));
    }

    SentLogCursors(byte[] key) {
        this.key = new SecretKeySpec(key, ALGORITHM);
    }

    private static byte[] key(ApiConfig config) {
        if (config.cursorSecret().filter(k -> !k.isBlank()).isPresent()) {
            Log.info("Sent-log cursors are signed with sms.api.cursor-secret");
            return config.cursorSecret().get().getBytes(StandardCharsets.UTF_8);
        }
        if (config.adminKey().filter(k -> !k.isBlank()).isPresent()) {
            Log.info("sms.api.cursor-secret is not set: sent-log cursors are signed with a key derived from "
                    + "sms.api.admin-key; API instances with the same admin key accept each other's cursors");
            // Derived rather than the admin key itself: a key that signs what clients see must not be one that opens
            // the admin endpoints.
            return hmac(new SecretKeySpec(config.adminKey().get().getBytes(StandardCharsets.UTF_8), ALGORITHM),
                    "sms.api.cursor-secret".getBytes(StandardCharsets.UTF_8));
        }
        Log.warn("Neither sms.api.cursor-secret nor sms.api.admin-key is set: sent-log cursors are signed with a random "
                + "key of this process, so another API instance, or this one after a restart, refuses them (400 "
                + "invalid-cursor). Set SMS_API_CURSOR_SECRET to the same value on every instance");
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return random;
    }

    /** The cursor of the page numbered {@code page} that starts after {@code next}, under the same filters. */
    public String seal(String clientId, SentLog.Filter f, SentLog.Position next, int page) {
        ByteBuffer body = ByteBuffer.allocate(BODY_BYTES + MAC_BYTES);
        body.put(VERSION)
                .putLong(micros(next.queuedAt()))
                .putLong(next.id().getMostSignificantBits())
                .putLong(next.id().getLeastSignificantBits())
                .putInt(page);
        body.put(mac(clientId, f, Arrays.copyOf(body.array(), BODY_BYTES)));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(body.array());
    }

    /**
     * The filter for the page a cursor names; an {@code invalid-cursor} problem unless this API made the cursor for
     * this client and exactly these filters.
     */
    public SentLog.Filter open(String clientId, SentLog.Filter f, String cursor) {
        byte[] raw = decode(cursor);
        if (raw == null || raw.length != BODY_BYTES + MAC_BYTES || raw[0] != VERSION) {
            throw invalid();
        }
        byte[] body = Arrays.copyOf(raw, BODY_BYTES);
        if (!MessageDigest.isEqual(mac(clientId, f, body), Arrays.copyOfRange(raw, BODY_BYTES, raw.length))) {
            throw invalid();
        }
        ByteBuffer b = ByteBuffer.wrap(body, 1, BODY_BYTES - 1);
        long micros = b.getLong();
        UUID id = new UUID(b.getLong(), b.getLong());
        int page = b.getInt();
        Instant queuedAt = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
        return f.after(new SentLog.Position(queuedAt, id), page);
    }

    private static byte[] decode(String cursor) {
        if (cursor.length() != LENGTH) {
            return null;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            return null;
        }
        // The decoder ignores the last character's unused bits: only the one spelling this API wrote is its cursor.
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(cursor) ? raw : null;
    }

    /** The MAC of a cursor's body together with everything it is valid for. */
    private byte[] mac(String clientId, SentLog.Filter f, byte[] body) {
        // Length-prefixed fields (writeUTF) and presence flags: no two different filters write the same bytes.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF("sms sent-log cursor");
            out.write(body);
            out.writeUTF(clientId);
            out.writeUTF(f.status() == null ? "" : f.status().wireName());
            out.writeUTF(f.type() == null ? "" : f.type().wireName());
            writeInstant(out, f.from());
            writeInstant(out, f.until());
            out.writeInt(f.pageSize());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return hmac(key, bytes.toByteArray());
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeBoolean(t != null);
        if (t != null) {
            out.writeLong(t.getEpochSecond());
            out.writeInt(t.getNano());
        }
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            // A Mac is not thread-safe; one per use costs a microsecond.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** PostgreSQL keeps microseconds: a position read from it loses nothing. */
    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private static ProblemException invalid() {
        return new ProblemException(ProblemCode.INVALID_CURSOR, "This cursor was not made for this client and these "
                + "filters, or was altered: send the same status, type, from_date, to_date and page_size as the page "
                + "that gave it, or start again without a cursor.");
    }
}
