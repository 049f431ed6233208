package com.acme.sms.system;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The constant pool of a compiled class (JVMS §4.4): the string literals it uses and the classes it refers to.
 * Enough to find, in an app's artifact, which names it hands to a library, without running it.
 */
public record ClassFile(Set<String> stringLiterals, Set<String> classNames) {

    public static ClassFile parse(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IllegalArgumentException("not a class file");
            }
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            List<Integer> strings = new ArrayList<>();
            List<Integer> classes = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classes.add(in.readUnsignedShort());
                    case 8 -> strings.add(in.readUnsignedShort());
                    case 16, 19, 20 -> in.readUnsignedShort();
                    case 15 -> in.skipBytes(3);
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                    case 5, 6 -> {
                        in.skipBytes(8);
                        i++; // a long or double takes two entries
                    }
                    default -> throw new IllegalArgumentException("constant pool tag " + tag + " at " + i);
                }
            }
            Set<String> literals = new LinkedHashSet<>();
            strings.forEach(s -> literals.add(utf8[s]));
            Set<String> names = new LinkedHashSet<>();
            classes.forEach(c -> names.add(utf8[c].replace('/', '.')));
            return new ClassFile(literals, names);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the class refers to a class of {@code pkg} (e.g. "io.micrometer."). */
    public boolean uses(String pkg) {
        return classNames.stream().anyMatch(n -> n.startsWith(pkg));
    }
}
