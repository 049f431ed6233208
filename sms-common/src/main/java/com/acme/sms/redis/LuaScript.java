package com.acme.sms.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Lua script read once from {@code lua/<name>.lua} on the classpath, with the SHA-1 that EVALSHA names it by. A line
 * {@code -- #include <part>} is replaced by {@code lua/<part>.lua}: Redis runs one script text and has no imports, so
 * code that several scripts need (lua/owned_entries.lua) is kept once and spliced in here.
 */
public record LuaScript(String name, String source, String sha1) {

    private static final Pattern INCLUDE = Pattern.compile("(?m)^-- #include ([a-z_]+)$");

    public static LuaScript load(String name) {
        Matcher include = INCLUDE.matcher(read(name));
        StringBuilder source = new StringBuilder();
        while (include.find()) {
            include.appendReplacement(source, Matcher.quoteReplacement(read(include.group(1))));
        }
        include.appendTail(source);
        return new LuaScript(name, source.toString(), sha1(source.toString()));
    }

    private static String read(String name) {
        String path = "lua/" + name + ".lua";
        try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Lua script not found on the classpath: " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String source) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
