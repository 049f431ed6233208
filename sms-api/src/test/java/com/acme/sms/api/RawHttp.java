package com.acme.sms.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a plain socket, for requests no well-behaved client library would send: control
 * characters in header values, repeated headers, raw bytes in paths. Header values are written as ISO-8859-1, the
 * bytes as given. One request per connection.
 */
public final class RawHttp {

    public record Header(String name, String value) {}

    public record Request(String method, String target, List<Header> headers, byte[] body) {

        public Request {
            headers = List.copyOf(headers);
            body = body == null ? new byte[0] : body;
        }

        public Request with(String name, String value) {
            List<Header> more = new ArrayList<>(headers);
            more.add(new Header(name, value));
            return new Request(method, target, more, body);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(method).append(' ').append(escape(target));
            for (Header h : headers) {
                s.append(" | ").append(escape(h.name())).append(": ").append(escape(h.value()));
            }
            String b = new String(body, StandardCharsets.UTF_8);
            return s.append(" | body(").append(body.length).append("): ")
                    .append(escape(b.length() > 300 ? b.substring(0, 300) + "..." : b)).toString();
        }

        private static String escape(String s) {
            StringBuilder out = new StringBuilder();
            for (char c : s.toCharArray()) {
                if (c < 0x20 || c == 0x7F || c > 0x7E) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }
    }

    public record Response(int status, Map<String, String> headers, String body) {

        public String contentType() {
            return headers.getOrDefault("content-type", "");
        }
    }

    private RawHttp() {}

    public static Response send(int port, Request request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            write(head, request.method() + " " + request.target() + " HTTP/1.1\r\n");
            write(head, "Host: 127.0.0.1:" + port + "\r\n");
            write(head, "Connection: close\r\n");
            for (Header h : request.headers()) {
                write(head, h.name() + ": " + h.value() + "\r\n");
            }
            if (request.body().length > 0 || "POST".equals(request.method())) {
                write(head, "Content-Length: " + request.body().length + "\r\n");
            }
            write(head, "\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toByteArray());
            out.write(request.body());
            out.flush();
            return read(socket.getInputStream());
        }
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Response read(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete HTTP response: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] rest = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            rest = dechunk(rest);
        }
        return new Response(status, headers, new String(rest, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < chunked.length) {
            int lineEnd = i;
            while (lineEnd + 1 < chunked.length && !(chunked[lineEnd] == '\r' && chunked[lineEnd + 1] == '\n')) {
                lineEnd++;
            }
            int size = Integer.parseInt(new String(chunked, i, lineEnd - i, StandardCharsets.US_ASCII).split(";")[0].trim(),
                    16);
            if (size == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, size);
            i = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }
}
