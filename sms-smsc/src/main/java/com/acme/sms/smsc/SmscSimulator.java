package com.acme.sms.smsc;

import com.acme.sms.text.SmsText;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jsmpp.PDUStringException;
import org.jsmpp.SMPPConstant;
import org.jsmpp.bean.CancelBroadcastSm;
import org.jsmpp.bean.CancelSm;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.InterfaceVersion;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.QueryBroadcastSm;
import org.jsmpp.bean.QuerySm;
import org.jsmpp.bean.RawDataCoding;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceSm;
import org.jsmpp.bean.SubmitMulti;
import org.jsmpp.bean.SubmitSm;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.extra.SessionState;
import org.jsmpp.session.BindRequest;
import org.jsmpp.session.BroadcastSmResult;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.QueryBroadcastSmResult;
import org.jsmpp.session.QuerySmResult;
import org.jsmpp.session.SMPPServerSession;
import org.jsmpp.session.SMPPServerSessionListener;
import org.jsmpp.session.ServerMessageReceiverListener;
import org.jsmpp.session.ServerResponseDeliveryAdapter;
import org.jsmpp.session.Session;
import org.jsmpp.session.SubmitMultiResult;
import org.jsmpp.session.SubmitSmResult;
import org.jsmpp.session.connection.ServerConnection;
import org.jsmpp.session.connection.ServerConnectionFactory;
import org.jsmpp.session.connection.socket.ServerSocketConnection;
import org.jsmpp.util.MessageId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated SMSC: an SMPP 3.4 server on localhost that accepts submit_sm from one account, answers with message
 * ids and sends delivery receipts, with the faults a real SMSC shows (throttling, rejected destinations, undelivered
 * receipts, hex/decimal id mix-ups, dropped connections). Tests of other modules run it in-process
 * ({@link #start(SmscSettings)}) and read what it received; bin/smsc runs it as a program ({@link #main}).
 */
public final class SmscSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmscSimulator.class);
    private static final long BIND_TIMEOUT_MS = 5_000;
    private static final int SESSION_PDU_THREADS = 16;

    /** The counters behind {@link SmscStats}. */
    static final class Counters {
        final AtomicLong binds = new AtomicLong();
        final AtomicLong bindsRefused = new AtomicLong();
        final AtomicLong unbinds = new AtomicLong();
        final AtomicLong submits = new AtomicLong();
        final AtomicLong parts = new AtomicLong();
        final AtomicLong messages = new AtomicLong();
        final AtomicLong throttled = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final AtomicLong receiptsSent = new AtomicLong();
        final AtomicLong receiptsAcked = new AtomicLong();
        final AtomicLong receiptsFailed = new AtomicLong();
        final AtomicLong drops = new AtomicLong();
    }

    private final SmscSettings settings;
    private final Counters counters = new Counters();
    private final Map<String, SMPPServerSession> bound = new ConcurrentHashMap<>();
    private final SessionThrottle throttle;
    private final Reassembly reassembly = new Reassembly();
    private final List<Submitted> submitted = new ArrayList<>();
    private final List<Delivered> delivered = new ArrayList<>();
    private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    private final Map<String, ReceiptSender.Pending> awaitingResp = new ConcurrentHashMap<>();
    // Starts at random so ids differ between runs too; 40 bits keep both forms short (10 hex, 13 decimal digits).
    private final AtomicLong nextId = new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 32, 1L << 39));
    private final ExecutorService binds = Executors.newCachedThreadPool(daemon("smsc-bind"));
    // Each receipt waits for its deliver_sm_resp (the client stores it first): enough threads for a benchmark's pace.
    private final ScheduledExecutorService receiptExecutor = Executors.newScheduledThreadPool(16, daemon("smsc-receipt"));
    private final ReceiptSender receipts;
    private final Listener listener = new Listener();
    private final ControlServer control;
    private volatile int port;
    private volatile SMPPServerSessionListener serverSocket;
    private volatile Thread acceptor;
    private volatile boolean closed;

    private SmscSimulator(SmscSettings settings) throws IOException {
        this.settings = settings;
        this.throttle = new SessionThrottle(settings.tps());
        this.receipts = new ReceiptSender(settings, receiptExecutor, this::sessionFor, counters);
        this.port = settings.port();
        listen();
        this.control = settings.controlPort() >= 0 ? new ControlServer(this, settings.controlPort()) : null;
    }

    /** Starts a simulator and returns it listening; close it to stop. */
    public static SmscSimulator start(SmscSettings settings) throws IOException {
        return new SmscSimulator(settings);
    }

    public static void main(String[] args) throws Exception {
        SmscSettings settings;
        try {
            if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
                System.out.print(SmscSettings.USAGE);
                return;
            }
            settings = SmscSettings.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("smsc: " + e.getMessage());
            System.err.print(SmscSettings.USAGE);
            System.exit(2);
            return;
        }
        SmscSimulator smsc = start(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(smsc::close, "smsc-shutdown"));
        LOG.info(
                "SMSC simulator: SMPP on port {} (system_id {}), control on {}, receipts after {} ms, tps {}, ids {} / receipts {}{}",
                smsc.port(), settings.systemId(), smsc.controlPort() < 0 ? "none" : "port " + smsc.controlPort(),
                settings.receiptDelay().toMillis(), settings.tps() == 0 ? "unlimited" : settings.tps(),
                settings.idFormat(), settings.receiptIdFormat(), settings.receiptTlvs() ? "" : " (no receipt TLVs)");
        Thread.currentThread().join();
    }

    public int port() {
        return port;
    }

    /** The HTTP control port, or -1 when there is none. */
    public int controlPort() {
        return control == null ? -1 : control.port();
    }

    public SmscSettings settings() {
        return settings;
    }

    /** Every accepted submit_sm, in arrival order. */
    public List<Submitted> submitted() {
        synchronized (submitted) {
            return List.copyOf(submitted);
        }
    }

    /** Every whole message a handset would have shown, in the order their last part arrived. */
    public List<Delivered> delivered() {
        synchronized (submitted) {
            return List.copyOf(delivered);
        }
    }

    /** How many times the whole message with this text reached this destination: more than 1 is a double send. */
    public int timesDelivered(String destination, String text) {
        AtomicInteger n = deliveries.get(key(destination, text));
        return n == null ? 0 : n.get();
    }

    public SmscStats stats() {
        return new SmscStats(counters.binds.get(), counters.bindsRefused.get(), counters.unbinds.get(), bound.size(),
                counters.submits.get(), counters.parts.get(), counters.messages.get(), counters.throttled.get(),
                counters.rejected.get(), counters.receiptsSent.get(), counters.receiptsAcked.get(),
                counters.receiptsFailed.get(), counters.drops.get());
    }

    /**
     * Sends a mobile-originated message (a handset texting {@code to}) to a bound receiver or transceiver session, as
     * a deliver_sm with esm_class default, and waits for its deliver_sm_resp. The text goes in the GSM 7-bit default
     * alphabet, unpacked, one septet per byte (data_coding 0x00), or in UCS-2 (0x08) when it needs it, as the
     * simulator's receipts and the worker's submits do; a text longer than one part goes whole in the message_payload
     * TLV with an empty short_message.
     *
     * @param from the handset: E.164 with or without '+', sent as digits with TON international
     * @param to the ESME's sender: digits (with or without '+') go with TON international, anything else as an
     *     alphanumeric address (TON 5)
     */
    public MobileOriginated sendMobileOriginated(String from, String to, String text) {
        List<SmsText.Part> parts = SmsText.parts(text, 0);
        if (parts.size() == 1) {
            return sendMobileOriginated(from, to, parts.get(0).encoding().dataCoding(), parts.get(0).shortMessage(),
                    false);
        }
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        for (SmsText.Part p : parts) {
            // The parts' bodies after their concatenation UDH, back to back: the whole text in one alphabet.
            int udh = p.hasUdh() ? (p.shortMessage()[0] & 0xFF) + 1 : 0;
            whole.write(p.shortMessage(), udh, p.shortMessage().length - udh);
        }
        return sendMobileOriginated(from, to, parts.get(0).encoding().dataCoding(), whole.toByteArray(), true);
    }

    /** As {@link #sendMobileOriginated(String, String, String)}, with the bytes and data_coding given. */
    public MobileOriginated sendMobileOriginated(String from, String to, byte dataCoding, byte[] body,
            boolean asPayload) {
        Optional<SMPPServerSession> session = bound.values().stream().filter(x -> x.getSessionState().isReceivable())
                .findAny();
        if (session.isEmpty()) {
            return new MobileOriginated(MobileOriginated.NO_SESSION, -1, "no ESME bound as receiver or transceiver");
        }
        String source = from.startsWith("+") ? from.substring(1) : from;
        boolean numeric = to.matches("\\+?[0-9]+");
        String destination = numeric && to.startsWith("+") ? to.substring(1) : to;
        try {
            session.get().deliverShortMessage("", TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, source,
                    numeric ? TypeOfNumber.INTERNATIONAL : TypeOfNumber.ALPHANUMERIC,
                    numeric ? NumberingPlanIndicator.ISDN : NumberingPlanIndicator.UNKNOWN, destination,
                    new ESMClass(), (byte) 0, (byte) 0, new RegisteredDelivery(0), new RawDataCoding(dataCoding),
                    asPayload ? new byte[0] : body,
                    asPayload ? new OptionalParameter[] {new OptionalParameter.Message_payload(body)}
                            : new OptionalParameter[0]);
            LOG.info("Mobile-originated message from {} to {} acknowledged", from, to);
            return new MobileOriginated(MobileOriginated.ACKNOWLEDGED, 0, "deliver_sm_resp ESME_ROK");
        } catch (NegativeResponseException e) {
            LOG.info("Mobile-originated message from {} to {} refused (status 0x{})", from, to,
                    Integer.toHexString(e.getCommandStatus()));
            return new MobileOriginated(MobileOriginated.REFUSED, e.getCommandStatus(),
                    "deliver_sm_resp with an error status: send it again later");
        } catch (Exception e) {
            LOG.info("Mobile-originated message from {} to {} not acknowledged: {}", from, to, e.toString());
            return new MobileOriginated(MobileOriginated.NO_ANSWER, -1, e.toString());
        }
    }

    /** Closes every bound session without an unbind, as a crashed SMSC or a cut network would. */
    public void drop() {
        List<SMPPServerSession> sessions = List.copyOf(bound.values());
        counters.drops.addAndGet(sessions.size());
        LOG.info("Dropping {} bound session(s)", sessions.size());
        sessions.forEach(SMPPServerSession::close);
    }

    /** Stops listening: new connections are refused; bound sessions stay (drop them too for a full outage). */
    public synchronized void pause() {
        SMPPServerSessionListener s = serverSocket;
        serverSocket = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.warn("Closing the SMPP port failed", e);
            }
        }
        if (!closed) {
            LOG.info("Paused: port {} no longer listening", port);
        }
    }

    /** Listens again on the same port after {@link #pause()}. */
    public synchronized void resume() throws IOException {
        if (serverSocket == null && !closed) {
            listen();
            LOG.info("Resumed: listening on port {}", port);
        }
    }

    public boolean paused() {
        return serverSocket == null;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (control != null) {
            control.stop();
        }
        pause();
        receiptExecutor.shutdownNow();
        bound.values().forEach(SMPPServerSession::close);
        binds.shutdownNow();
        Thread a = acceptor;
        if (a != null) {
            try {
                a.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void listen() throws IOException {
        PortRecordingFactory sockets = new PortRecordingFactory();
        SMPPServerSessionListener s = new SMPPServerSessionListener(port, sockets);
        port = sockets.port;
        s.setPduProcessorDegree(SESSION_PDU_THREADS);
        s.setMessageReceiverListener(listener);
        s.setResponseDeliveryListener(listener);
        s.setSessionStateListener(this::onStateChange);
        serverSocket = s;
        Thread t = new Thread(() -> acceptLoop(s), "smsc-accept-" + port);
        t.setDaemon(true);
        acceptor = t;
        t.start();
    }

    private void acceptLoop(SMPPServerSessionListener s) {
        while (!closed && serverSocket == s) {
            try {
                SMPPServerSession session = s.accept();
                session.setTransactionTimer(5_000);
                binds.execute(() -> awaitBind(session));
            } catch (IOException e) {
                if (!closed && serverSocket == s) {
                    LOG.warn("Accepting an SMPP connection failed", e);
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private void awaitBind(SMPPServerSession session) {
        try {
            BindRequest request = session.waitForBind(BIND_TIMEOUT_MS);
            if (!settings.systemId().equals(request.getSystemId())) {
                counters.bindsRefused.incrementAndGet();
                LOG.info("Bind refused: unknown system_id {}", request.getSystemId());
                refuse(session, request, SMPPConstant.STAT_ESME_RBINDFAIL);
            } else if (!settings.password().equals(request.getPassword())) {
                counters.bindsRefused.incrementAndGet();
                LOG.info("Bind refused: wrong password for {}", request.getSystemId());
                refuse(session, request, SMPPConstant.STAT_ESME_RINVPASWD);
            } else {
                request.accept(settings.systemId(), InterfaceVersion.IF_34);
                bound.put(session.getSessionId(), session);
                counters.binds.incrementAndGet();
                LOG.debug("Bound {} as {} ({})", session.getSessionId(), request.getSystemId(), request.getBindType());
            }
        } catch (TimeoutException e) {
            LOG.info("No bind within {} ms, closing the connection", BIND_TIMEOUT_MS);
            session.close();
        } catch (Exception e) {
            LOG.info("Bind failed: {}", e.toString());
            session.close();
        }
    }

    private void refuse(SMPPServerSession session, BindRequest request, int status) throws IOException {
        request.reject(status);
        // jSMPP writes the negative bind_resp on its own thread after reject(): close a moment later, not at once,
        // or the client sees a dead socket instead of the reason.
        receiptExecutor.schedule(session::close, 1, TimeUnit.SECONDS);
    }

    /** Sessions whose unbind was counted. */
    private final Set<String> unbound = ConcurrentHashMap.newKeySet();

    private void onStateChange(SessionState newState, SessionState oldState, Session source) {
        // Once per session, from whatever state: under load jSMPP may see the client's close (CLOSED) before it
        // records the unbind it just answered (UNBOUND), so "from a bound state" would miss clean unbinds.
        if (newState == SessionState.UNBOUND && unbound.add(source.getSessionId())) {
            counters.unbinds.incrementAndGet();
        }
        if (newState == SessionState.CLOSED) {
            bound.remove(source.getSessionId());
            throttle.forget(source.getSessionId());
        }
    }

    /** Where a receipt goes: the submitting session if it is still bound, else any bound one. */
    private Optional<SMPPServerSession> sessionFor(String sessionId) {
        SMPPServerSession s = bound.get(sessionId);
        if (s != null && s.getSessionState().isReceivable()) {
            return Optional.of(s);
        }
        return bound.values().stream().filter(x -> x.getSessionState().isReceivable()).findAny();
    }

    private SubmitSmResult accept(SubmitSm submit, SMPPServerSession session) throws ProcessRequestException {
        counters.submits.incrementAndGet();
        if (!throttle.admit(session.getSessionId())) {
            counters.throttled.incrementAndGet();
            throw new ProcessRequestException("throttled", SMPPConstant.STAT_ESME_RTHROTTLED);
        }
        String destination = submit.getDestAddress();
        if (settings.rejectedPrefix() != null && !settings.rejectedPrefix().isEmpty()
                && matches(destination, settings.rejectedPrefix())) {
            counters.rejected.incrementAndGet();
            throw new ProcessRequestException("invalid destination", SMPPConstant.STAT_ESME_RINVDSTADR);
        }
        long id = nextId.getAndIncrement();
        String messageId = settings.idFormat().format(id);
        byte[] body = submit.getShortMessage() == null ? new byte[0] : submit.getShortMessage();
        boolean udh = (submit.getEsmClass() & 0x40) != 0;
        Submitted part = new Submitted(messageId, submit.getSourceAddr(), destination, submit.getDataCoding(),
                submit.getEsmClass(), submit.getRegisteredDelivery(), body,
                SmsText.decode(body, submit.getDataCoding(), udh), Instant.now(), submit.getValidityPeriod());
        synchronized (submitted) {
            submitted.add(part);
            reassembly.add(part).ifPresent(m -> {
                delivered.add(m);
                counters.messages.incrementAndGet();
                deliveries.computeIfAbsent(key(m.destination(), m.text()), k -> new AtomicInteger()).incrementAndGet();
            });
        }
        counters.parts.incrementAndGet();
        if ((submit.getRegisteredDelivery() & 0x03) != 0) {
            boolean undelivered = settings.undeliveredPrefix() != null && !settings.undeliveredPrefix().isEmpty()
                    && matches(destination, settings.undeliveredPrefix());
            // Sent once the submit_sm_resp is out (onSubmitSmRespSent): a receipt must not overtake its id.
            awaitingResp.put(messageId, new ReceiptSender.Pending(part, id, session.getSessionId(), undelivered));
        }
        try {
            return new SubmitSmResult(new MessageId(messageId), new org.jsmpp.bean.OptionalParameter[0]);
        } catch (PDUStringException e) {
            throw new ProcessRequestException("message id " + messageId, SMPPConstant.STAT_ESME_RSYSERR, e);
        }
    }

    private static String key(String destination, String text) {
        return destination + '\u0000' + text;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Listens like jSMPP's own factory, but tells which port a request for port 0 got. */
    private static final class PortRecordingFactory implements ServerConnectionFactory {
        volatile int port;

        @Override
        public ServerConnection listen(int p) throws IOException {
            return listen(p, 0, 50);
        }

        @Override
        public ServerConnection listen(int p, int timeout) throws IOException {
            return listen(p, timeout, 50);
        }

        @Override
        public ServerConnection listen(int p, int timeout, int backlog) throws IOException {
            ServerSocket socket = new ServerSocket();
            // resume() listens on the same port again at once, while closed sessions may linger in TIME_WAIT.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(p), backlog);
            socket.setSoTimeout(timeout);
            port = socket.getLocalPort();
            return new ServerSocketConnection(socket);
        }
    }

    private final class Listener extends ServerResponseDeliveryAdapter implements ServerMessageReceiverListener {

        @Override
        public SubmitSmResult onAcceptSubmitSm(SubmitSm submitSm, SMPPServerSession source)
                throws ProcessRequestException {
            return accept(submitSm, source);
        }

        @Override
        public void onSubmitSmRespSent(SubmitSmResult result, SMPPServerSession source) {
            ReceiptSender.Pending receipt = awaitingResp.remove(result.getMessageId());
            if (receipt != null) {
                receipts.schedule(receipt);
            }
        }

        @Override
        public SubmitMultiResult onAcceptSubmitMulti(SubmitMulti submitMulti, SMPPServerSession source)
                throws ProcessRequestException {
            throw new ProcessRequestException("submit_multi is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
        }

        @Override
        public QuerySmResult onAcceptQuerySm(QuerySm querySm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("query_sm is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
        }

        @Override
        public void onAcceptReplaceSm(ReplaceSm replaceSm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("replace_sm is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
        }

        @Override
        public void onAcceptCancelSm(CancelSm cancelSm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("cancel_sm is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
        }

        @Override
        public BroadcastSmResult onAcceptBroadcastSm(org.jsmpp.bean.BroadcastSm broadcastSm, SMPPServerSession source)
                throws ProcessRequestException {
            throw new ProcessRequestException("broadcast_sm is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
        }

        @Override
        public void onAcceptCancelBroadcastSm(CancelBroadcastSm cancelBroadcastSm, SMPPServerSession source)
                throws ProcessRequestException {
            throw new ProcessRequestException("cancel_broadcast_sm is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
        }

        @Override
        public QueryBroadcastSmResult onAcceptQueryBroadcastSm(QueryBroadcastSm queryBroadcastSm,
                SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("query_broadcast_sm is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
        }

        @Override
        public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) throws ProcessRequestException {
            throw new ProcessRequestException("data_sm is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
        }
    }

    /** Numbers come without their '+' (international TON); a prefix given as "+4477001" means the same digits. */
    static boolean matches(String destination, String prefix) {
        String d = destination.startsWith("+") ? destination.substring(1) : destination;
        String p = prefix.startsWith("+") ? prefix.substring(1) : prefix;
        return d.startsWith(p);
    }
}
