package com.acme.sms.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Splits a text into the short_message payloads of SMPP submit_sm, and reads them back as an SMSC would.
 * {@link #analyze} runs for every accepted message, so a GSM text costs one table-driven pass (a second only past
 * one part) without boxing, regex or intermediate arrays.
 */
public final class SmsText {

    private static final int ESC = 0x1B;
    /** Marks a {@link #GSM} entry as escaped: the low 7 bits are then the extension-table code. */
    private static final int EXT = 0x100;
    private static final int NONE = -1;
    private static final char EURO = '\u20AC';

    /** GSM 03.38 code of each char below U+0400 (every GSM character but the euro sign), or {@link #NONE}. */
    private static final short[] GSM = new short[0x400];
    private static final char[] BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").toCharArray();
    private static final char[] EXTENSION = new char[0x80];

    static {
        Arrays.fill(GSM, (short) NONE);
        for (int code = 0; code < BASIC.length; code++) {
            GSM[BASIC[code]] = (short) code;
        }
        // 0x1B is the escape, not a character a text may carry.
        GSM[ESC] = NONE;
        String extended = "\f^{}\\[~]|€";
        int[] codes = {0x0A, 0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E, 0x40, 0x65};
        for (int i = 0; i < codes.length; i++) {
            char c = extended.charAt(i);
            EXTENSION[codes[i]] = c;
            if (c < GSM.length) {
                GSM[c] = (short) (EXT | codes[i]);
            }
        }
    }

    private SmsText() {}

    public static TextAnalysis analyze(String content) {
        int gsmUnits = gsmUnits(content);
        SmsEncoding encoding = gsmUnits < 0 ? SmsEncoding.UCS2 : SmsEncoding.GSM7;
        int units = gsmUnits < 0 ? content.length() : gsmUnits;
        long split = split(content, encoding, units, null, null);
        int segments = (int) (split >>> 32);
        int perSegment = segments == 1 ? encoding.singlePartLimit() : encoding.multiPartLimit();
        return new TextAnalysis(encoding, units, segments, perSegment, perSegment - (int) split,
                gsmUnits < 0 ? nonGsmCharacters(content) : List.of());
    }

    public static int segments(String content) {
        int gsmUnits = gsmUnits(content);
        return gsmUnits < 0
                ? (int) (split(content, SmsEncoding.UCS2, content.length(), null, null) >>> 32)
                : (int) (split(content, SmsEncoding.GSM7, gsmUnits, null, null) >>> 32);
    }

    /**
     * The payload of each submit_sm short_message. One part: the encoded text, no UDH. Several: each part is a 6-byte
     * UDH {@code 05 00 03 <reference> <total> <sequence 1..total>} followed by that part's encoded units; the caller
     * sets esm_class 0x40 when {@link Part#hasUdh}.
     *
     * @param reference one byte (0..255) shared by the parts of one message, so the handset can tell messages apart
     * @throws IllegalArgumentException when the reference is out of range, or the text needs more than 255 parts,
     *         the most a one-byte total can announce
     */
    public static List<Part> parts(String content, int reference) {
        if (reference < 0 || reference > 0xFF) {
            throw new IllegalArgumentException("concatenation reference must be 0..255: " + reference);
        }
        int gsmUnits = gsmUnits(content);
        SmsEncoding encoding = gsmUnits < 0 ? SmsEncoding.UCS2 : SmsEncoding.GSM7;
        int allUnits = gsmUnits < 0 ? content.length() : gsmUnits;
        int total = (int) (split(content, encoding, allUnits, null, null) >>> 32);
        if (total == 1) {
            byte[] bytes = new byte[encoding == SmsEncoding.UCS2 ? 2 * allUnits : allUnits];
            encode(content, 0, content.length(), encoding, bytes, 0);
            return List.of(new Part(encoding, bytes, false, 1, 1));
        }
        if (total > 0xFF) {
            throw new IllegalArgumentException("text needs " + total + " parts, more than the 255 a UDH can number");
        }
        int[] ends = new int[total];
        int[] units = new int[total];
        split(content, encoding, allUnits, ends, units);
        int bytesPerUnit = encoding == SmsEncoding.UCS2 ? 2 : 1;
        List<Part> parts = new ArrayList<>(total);
        int from = 0;
        for (int i = 0; i < total; i++) {
            byte[] bytes = new byte[6 + bytesPerUnit * units[i]];
            bytes[0] = 0x05;
            bytes[1] = 0x00;
            bytes[2] = 0x03;
            bytes[3] = (byte) reference;
            bytes[4] = (byte) total;
            bytes[5] = (byte) (i + 1);
            encode(content, from, ends[i], encoding, bytes, 6);
            parts.add(new Part(encoding, bytes, true, i + 1, total));
            from = ends[i];
        }
        return List.copyOf(parts);
    }

    public record Part(SmsEncoding encoding, byte[] shortMessage, boolean hasUdh, int sequence, int total) {}

    /**
     * Decodes a short_message as an SMSC would (strips a UDH when hasUdh, its length is byte 0 + 1). Besides GSM7
     * (0x00) and UCS2 (0x08) it reads IA5/ASCII (0x01) and Latin-1 (0x03), which other ESMEs send.
     *
     * @throws IllegalArgumentException for any other data_coding, or a UDH longer than the message
     */
    public static String decode(byte[] shortMessage, byte dataCoding, boolean hasUdh) {
        int from = 0;
        if (hasUdh) {
            if (shortMessage.length == 0 || (shortMessage[0] & 0xFF) + 1 > shortMessage.length) {
                throw new IllegalArgumentException("UDH longer than the short_message");
            }
            from = (shortMessage[0] & 0xFF) + 1;
        }
        return switch (dataCoding) {
            case 0x00 -> decodeGsm(shortMessage, from);
            case 0x08 -> decodeUcs2(shortMessage, from);
            case 0x01 -> new String(shortMessage, from, shortMessage.length - from,
                    StandardCharsets.US_ASCII);
            case 0x03 -> new String(shortMessage, from, shortMessage.length - from,
                    StandardCharsets.ISO_8859_1);
            default -> throw new IllegalArgumentException("unsupported data_coding 0x%02X".formatted(dataCoding));
        };
    }

    /**
     * For an SMSC reassembling concatenated parts: reference/total/sequence read from a UDH (8-bit reference IEI 0x00
     * and 16-bit reference IEI 0x08 both), or null when the bytes carry none. The bytes alone cannot say whether they
     * start with a UDH, so only call this when esm_class has UDHI (0x40) set; a malformed UDH reads as none.
     */
    public static Concat concatInfo(byte[] shortMessage) {
        if (shortMessage == null || shortMessage.length == 0) {
            return null;
        }
        int end = 1 + (shortMessage[0] & 0xFF);
        if (end > shortMessage.length) {
            return null;
        }
        int i = 1;
        while (i + 2 <= end) {
            int iei = shortMessage[i] & 0xFF;
            int length = shortMessage[i + 1] & 0xFF;
            int data = i + 2;
            if (data + length > end) {
                return null;
            }
            if (iei == 0x00 && length == 3) {
                return concat(shortMessage[data] & 0xFF, shortMessage[data + 1], shortMessage[data + 2]);
            }
            if (iei == 0x08 && length == 4) {
                int reference = ((shortMessage[data] & 0xFF) << 8) | (shortMessage[data + 1] & 0xFF);
                return concat(reference, shortMessage[data + 2], shortMessage[data + 3]);
            }
            i = data + length;
        }
        return null;
    }

    public record Concat(int reference, int total, int sequence) {}

    private static Concat concat(int reference, byte total, byte sequence) {
        int t = total & 0xFF;
        int s = sequence & 0xFF;
        // 3GPP 23.040: a total or sequence of 0, or a sequence beyond the total, means the IE is to be ignored.
        return t == 0 || s == 0 || s > t ? null : new Concat(reference, t, s);
    }

    /** GSM 03.38 code of a char: basic code, {@link #EXT} | extension code, or {@link #NONE}. */
    private static int gsm(char c) {
        if (c < 0x400) {
            return GSM[c];
        }
        return c == EURO ? EXT | 0x65 : NONE;
    }

    /** Septets of the text, or -1 when a character is not in GSM 03.38 and the text must go as UCS-2. */
    private static int gsmUnits(String content) {
        int units = 0;
        for (int i = 0, n = content.length(); i < n; i++) {
            int code = gsm(content.charAt(i));
            if (code == NONE) {
                return -1;
            }
            units += code >= EXT ? 2 : 1;
        }
        return units;
    }

    /** Units of the character at i: an escape pair or a surrogate pair is 2, and must not be cut. */
    private static int cost(String content, int i, SmsEncoding encoding) {
        char c = content.charAt(i);
        if (encoding == SmsEncoding.GSM7) {
            return gsm(c) >= EXT ? 2 : 1;
        }
        return Character.isHighSurrogate(c) && i + 1 < content.length()
                && Character.isLowSurrogate(content.charAt(i + 1)) ? 2 : 1;
    }

    /**
     * Fills parts greedily, a character that would straddle a boundary starting the next part, so the count can exceed
     * ceil(units / multiPartLimit). Returns the part count in the high 32 bits and the units in the last part in the
     * low 32, to spare the hot path an allocation; ends and units, when given, receive each part's end index
     * (exclusive) and unit count.
     */
    private static long split(String content, SmsEncoding encoding, int allUnits, int[] ends, int[] units) {
        if (allUnits <= encoding.singlePartLimit()) {
            if (ends != null) {
                ends[0] = content.length();
                units[0] = allUnits;
            }
            return (1L << 32) | allUnits;
        }
        int n = content.length();
        int limit = encoding.multiPartLimit();
        int parts = 0;
        int fill = 0;
        int i = 0;
        while (i < n) {
            int cost = cost(content, i, encoding);
            if (fill + cost > limit) {
                if (ends != null) {
                    ends[parts] = i;
                    units[parts] = fill;
                }
                parts++;
                fill = 0;
            }
            fill += cost;
            i += encoding == SmsEncoding.UCS2 ? cost : 1;
        }
        if (ends != null) {
            ends[parts] = n;
            units[parts] = fill;
        }
        return ((long) (parts + 1) << 32) | fill;
    }

    private static void encode(String content, int from, int to, SmsEncoding encoding, byte[] out, int at) {
        int p = at;
        if (encoding == SmsEncoding.GSM7) {
            for (int i = from; i < to; i++) {
                int code = gsm(content.charAt(i));
                if (code >= EXT) {
                    out[p++] = ESC;
                }
                out[p++] = (byte) (code & 0x7F);
            }
        } else {
            for (int i = from; i < to; i++) {
                char c = content.charAt(i);
                out[p++] = (byte) (c >>> 8);
                out[p++] = (byte) c;
            }
        }
    }

    private static String decodeGsm(byte[] bytes, int from) {
        StringBuilder text = new StringBuilder(bytes.length - from);
        for (int i = from; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            if (b > 0x7F) {
                text.append('\uFFFD');
            } else if (b != ESC) {
                text.append(BASIC[b]);
            } else if (i + 1 == bytes.length) {
                // 23.038: an escape the receiver cannot follow shows as a space.
                text.append(' ');
            } else {
                int next = bytes[++i] & 0x7F;
                char c = EXTENSION[next];
                // 23.038: an unknown extension code shows as the basic-table character of the same code.
                text.append(c != 0 ? c : next == ESC ? ' ' : BASIC[next]);
            }
        }
        return text.toString();
    }

    private static String decodeUcs2(byte[] bytes, int from) {
        int n = (bytes.length - from) / 2;
        char[] chars = new char[n];
        for (int k = 0; k < n; k++) {
            chars[k] = (char) (((bytes[from + 2 * k] & 0xFF) << 8) | (bytes[from + 2 * k + 1] & 0xFF));
        }
        String text = new String(chars);
        return (bytes.length - from) % 2 == 0 ? text : text + '\uFFFD';
    }

    private static List<String> nonGsmCharacters(String content) {
        Set<String> found = new LinkedHashSet<>();
        for (int i = 0, n = content.length(); i < n;) {
            int codePoint = content.codePointAt(i);
            int width = Character.charCount(codePoint);
            if (width == 2 || gsm((char) codePoint) == NONE) {
                found.add(Character.toString(codePoint));
            }
            i += width;
        }
        return List.copyOf(found);
    }
}
