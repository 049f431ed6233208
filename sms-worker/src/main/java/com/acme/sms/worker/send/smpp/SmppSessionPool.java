package com.acme.sms.worker.send.smpp;

import io.quarkus.logging.Log;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.session.MessageReceiverListener;

/**
 * The process's SMPP sessions ({@code binds} of them): starts them binding in the background, says which ones are
 * bound, hands out the least busy one, and unbinds them all at the end. A failing SMSC is logged once per kind of
 * failure, not once per session and attempt.
 */
final class SmppSessionPool implements SmppConnection.BindEvents {

    private final SmppSettings settings;
    private final List<SmppConnection> connections = new ArrayList<>();
    private final AtomicInteger turn = new AtomicInteger();
    private String lastProblem;

    SmppSessionPool(SmppSettings settings, MessageReceiverListener receiver, SmppMetrics metrics) {
        this.settings = settings;
        for (int i = 0; i < settings.binds(); i++) {
            connections.add(new SmppConnection(i, settings, receiver, metrics, this));
        }
    }

    void start() {
        connections.forEach(SmppConnection::start);
    }

    void stop() {
        connections.forEach(SmppConnection::stop);
    }

    int boundCount() {
        return (int) connections.stream().filter(SmppConnection::bound).count();
    }

    int size() {
        return connections.size();
    }

    /** The bound session with the fewest submits waiting or in flight; ties go round. */
    Optional<SmppConnection> pick() {
        int n = connections.size();
        int start = Math.floorMod(turn.getAndIncrement(), n);
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> connections.get((start + i) % n))
                .filter(SmppConnection::bound).min(Comparator.comparingInt(SmppConnection::load));
    }

    @Override
    public Duration failed(int index, IOException e, Duration backoff) {
        int status = CommandStatus.ofRefusedBind(e.getMessage());
        String problem;
        Duration wait = backoff;
        if (status >= 0) {
            problem = switch (status) {
                case CommandStatus.ESME_RINVPASWD -> "SMSC refused the bind: invalid password (ESME_RINVPASWD)";
                case CommandStatus.ESME_RINVSYSID, CommandStatus.ESME_RBINDFAIL -> "SMSC refused the bind of system_id "
                        + settings.systemId() + ": " + CommandStatus.describe(status);
                default -> "SMSC refused the bind: " + CommandStatus.describe(status);
            };
            // Fixing credentials takes a person: retrying fast only fills the SMSC's log (and may lock the account).
            wait = settings.reconnectMax();
        } else if (e instanceof ConnectException) {
            problem = "SMSC " + settings.host() + ":" + settings.port() + " unreachable: " + e.getMessage();
        } else {
            problem = "SMPP bind to " + settings.host() + ":" + settings.port() + " failed: " + e.getMessage();
        }
        if (report(problem)) {
            String line = problem + "; binding again every " + wait.toSeconds() + " s at most, sending fails meanwhile";
            if (status >= 0) {
                Log.error(line);
            } else {
                Log.warn(line);
            }
        } else {
            Log.debugf("SMPP session %d: %s (again)", index, problem);
        }
        return wait;
    }

    @Override
    public void bound(int index) {
        String before;
        synchronized (this) {
            before = lastProblem;
            lastProblem = null;
        }
        if (before != null) {
            Log.infof("SMPP session %d bound to %s:%d as %s (after: %s)", index, settings.host(), settings.port(),
                    settings.systemId(), before);
        } else {
            Log.infof("SMPP session %d bound to %s:%d as %s", index, settings.host(), settings.port(),
                    settings.systemId());
        }
    }

    @Override
    public void lost(int index) {
        Log.warnf("SMPP session %d to %s:%d lost; binding it again", index, settings.host(), settings.port());
    }

    /** True when this problem is news (the first of a series, or a different one). */
    private synchronized boolean report(String problem) {
        if (problem.equals(lastProblem)) {
            return false;
        }
        lastProblem = problem;
        return true;
    }
}
