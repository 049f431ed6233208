package com.acme.sms.worker.send.smpp;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.InvalidResponseException;
import org.jsmpp.PDUException;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.RawDataCoding;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.extra.ResponseTimeoutException;
import org.jsmpp.extra.SessionState;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.SMPPSession;

/**
 * One transceiver session to the SMSC, kept bound: a thread binds it, waits while it lives, and binds it again after
 * a pause when it dies (SMSC gone, enquire_link unanswered, connection cut). Its submit_sm run on {@code window}
 * threads of its own, since jSMPP's submit waits for the answer: so at most {@code window} are in flight.
 */
final class SmppConnection {

    /** What the pool hears about binds, to log a failing SMSC once rather than once per session and attempt. */
    interface BindEvents {
        /** A bind failed; returns how long to wait before the next attempt. */
        Duration failed(int index, IOException e, Duration backoff);

        void bound(int index);

        void lost(int index);
    }

    private final int index;
    private final SmppSettings settings;
    private final MessageReceiverListener receiver;
    private final SmppMetrics metrics;
    private final BindEvents events;
    private final SubmitThrottle throttle;
    private final ExecutorService submitters;
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread binder;
    private volatile SMPPSession session;
    private volatile boolean stopped;

    SmppConnection(int index, SmppSettings settings, MessageReceiverListener receiver, SmppMetrics metrics,
            BindEvents events) {
        this.index = index;
        this.settings = settings;
        this.receiver = receiver;
        this.metrics = metrics;
        this.events = events;
        this.throttle = new SubmitThrottle(settings.throughput());
        AtomicInteger n = new AtomicInteger();
        this.submitters = Executors.newFixedThreadPool(settings.window(), r -> {
            Thread t = new Thread(r, "smpp-" + index + "-submit-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.binder = new Thread(this::keepBound, "smpp-" + index + "-bind");
        binder.setDaemon(true);
    }

    void start() {
        binder.start();
    }

    boolean bound() {
        SMPPSession s = session;
        return s != null && s.getSessionState().isBound();
    }

    /** Submits waiting for a window thread or running: how busy this session is. */
    int load() {
        return queued.get();
    }

    /** Unbinds (so the SMSC sees a clean end, not a dropped link) and stops binding again. */
    void stop() {
        stopped = true;
        // The binder unbinds its own session when interrupted: reading the session here raced with it (it clears
        // the field as it leaves), and a session bound just then stayed open (SmppProviderTest saw one of two).
        binder.interrupt();
        try {
            binder.join(settings.responseTimeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        SMPPSession s = session;
        if (s != null) {
            s.unbindAndClose();
        }
        submitters.shutdownNow();
    }

    /** Sends one part on this session; completes with its outcome, never exceptionally. */
    CompletableFuture<PartOutcome> submit(SubmitRequest request, long deadlineNanos) {
        queued.incrementAndGet();
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return submitNow(request, deadlineNanos);
                } finally {
                    queued.decrementAndGet();
                }
            }, submitters);
        } catch (RejectedExecutionException e) {
            queued.decrementAndGet();
            return CompletableFuture.completedFuture(PartOutcome.failed("SMPP provider stopping", true, null));
        }
    }

    private PartOutcome submitNow(SubmitRequest r, long deadlineNanos) {
        int lastSlowDown = CommandStatus.ESME_RTHROTTLED;
        boolean slowedDown = false;
        while (true) {
            SMPPSession s = session;
            if (s == null || !s.getSessionState().isTransmittable()) {
                return PartOutcome.failed("no SMPP session bound", true, null);
            }
            try {
                if (!throttle.acquire(deadlineNanos)) {
                    // Out of time before the submit_sm could go out: not sent, so trying again later is safe.
                    return slowedDown
                            ? PartOutcome.failed("SMSC throttled: " + CommandStatus.describe(lastSlowDown)
                                    + ", not submitted within the provider timeout", true, CommandStatus.hex(lastSlowDown))
                            : PartOutcome.failed("not submitted within the provider timeout (sms.provider.smpp"
                                    + ".throughput or window too small for the load)", true, null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return PartOutcome.failed("SMPP provider stopping", true, null);
            }
            long started = System.nanoTime();
            metrics.submitStarted();
            boolean ok = false;
            try {
                String id = s.submitShortMessage("", r.sourceTon(), r.sourceNpi(), r.source(), r.destTon(), r.destNpi(),
                        r.destination(), new ESMClass(r.esmClass()), (byte) 0, (byte) 0, null, r.validityPeriod(),
                        new RegisteredDelivery(SMSCDeliveryReceipt.SUCCESS_FAILURE), (byte) 0,
                        new RawDataCoding(r.dataCoding()), (byte) 0, r.shortMessage()).getMessageId();
                ok = true;
                throttle.accepted();
                return PartOutcome.taken(id);
            } catch (NegativeResponseException e) {
                int status = e.getCommandStatus();
                if (CommandStatus.slowsDown(status)) {
                    // Not taken: slow this session down and offer the same part again, as long as time remains.
                    metrics.throttled();
                    throttle.throttled();
                    slowedDown = true;
                    lastSlowDown = status;
                    continue;
                }
                return PartOutcome.failed(CommandStatus.describe(status), CommandStatus.isTransient(status),
                        CommandStatus.hex(status));
            } catch (ResponseTimeoutException e) {
                return PartOutcome.failed("no submit_sm_resp within " + settings.responseTimeout().toMillis()
                        + " ms (the SMSC may have taken it)", true, null);
            } catch (PDUException e) {
                return PartOutcome.failed("not a valid submit_sm: " + e.getMessage(), false, null);
            } catch (InvalidResponseException e) {
                return PartOutcome.failed("invalid submit_sm_resp from the SMSC: " + e.getMessage(), true, null);
            } catch (IOException e) {
                return PartOutcome.failed("SMPP session lost while submitting (the SMSC may have taken it): "
                        + e.getMessage(), true, null);
            } finally {
                metrics.submitEnded(System.nanoTime() - started, ok);
            }
        }
    }

    private void keepBound() {
        Duration backoff = settings.reconnectInitial();
        while (!stopped) {
            CountDownLatch closed = new CountDownLatch(1);
            SMPPSession s = new SMPPSession();
            s.setEnquireLinkTimer((int) settings.enquireLink().toMillis());
            s.setTransactionTimer(settings.responseTimeout().toMillis());
            s.setMessageReceiverListener(receiver);
            // Receipts are stored (a Redis round trip) on jSMPP's PDU threads: as many as submits may be in flight.
            s.setPduProcessorDegree(Math.max(3, settings.window()));
            s.addSessionStateListener((newState, oldState, source) -> {
                if (newState == SessionState.CLOSED) {
                    closed.countDown();
                }
            });
            try {
                s.connectAndBind(settings.host(), settings.port(),
                        new BindParameter(BindType.BIND_TRX, settings.systemId(), settings.password(),
                                settings.systemType(), TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, null),
                        settings.responseTimeout().toMillis());
            } catch (IOException e) {
                s.close();
                if (stopped) {
                    return;
                }
                Duration wait = events.failed(index, e, backoff);
                backoff = backoff.multipliedBy(2).compareTo(settings.reconnectMax()) > 0 ? settings.reconnectMax()
                        : backoff.multipliedBy(2);
                if (!pause(wait)) {
                    return;
                }
                continue;
            }
            session = s;
            metrics.sessionBound();
            events.bound(index);
            backoff = settings.reconnectInitial();
            try {
                closed.await();
            } catch (InterruptedException e) {
                // stop(): end the session cleanly, here where it is known (unbind, then close the socket).
                s.unbindAndClose();
            } finally {
                session = null;
                metrics.sessionLost();
            }
            if (stopped) {
                return;
            }
            events.lost(index);
            if (!pause(settings.reconnectInitial())) {
                return;
            }
        }
    }

    private boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return !stopped;
        } catch (InterruptedException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "SMPP session " + index;
    }
}
