package com.acme.sms.worker.send;

import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * The simulated provider's record of what it accepted, one message id per line, appended before the worker hears
 * the answer. A checker counts the lines per id to measure duplicate sends; several worker processes may append to
 * the same file, so each batch is written with one append (O_APPEND) and lines of different processes do not mix.
 * A kill -9 keeps what was written, as the operating system holds it.
 */
final class SendLog {

    private final FileChannel channel;

    SendLog(Path file) {
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the provider's send log " + file, e);
        }
    }

    synchronized void append(List<UUID> ids) {
        if (ids.isEmpty()) {
            return;
        }
        StringBuilder lines = new StringBuilder(ids.size() * 37);
        for (UUID id : ids) {
            lines.append(id).append('\n');
        }
        ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.US_ASCII));
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            // A test aid must not turn into a provider failure (the batch would be sent again): say so and go on; the
            // checker then sees fewer sends than rows and reports it.
            Log.errorf(e, "Cannot append %d ids to the provider's send log", ids.size());
        }
    }
}
