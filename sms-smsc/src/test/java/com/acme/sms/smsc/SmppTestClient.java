package com.acme.sms.smsc;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.RawDataCoding;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.Session;

/** A plain jSMPP client for the simulator's tests: binds, submits, collects deliver_sm. */
final class SmppTestClient implements AutoCloseable {

    final SMPPSession session = new SMPPSession();
    final List<DeliverSm> received = new CopyOnWriteArrayList<>();
    /** How many deliver_sm to answer with an error first (0x64), to see the SMSC send them again. */
    final AtomicInteger refuseNext = new AtomicInteger();

    SmppTestClient(int port, String systemId, String password) throws IOException {
        session.setMessageReceiverListener(new MessageReceiverListener() {
            @Override
            public void onAcceptDeliverSm(DeliverSm deliverSm) throws ProcessRequestException {
                received.add(deliverSm);
                if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new ProcessRequestException("not now", 0x64);
                }
            }

            @Override
            public void onAcceptAlertNotification(AlertNotification alertNotification) {}

            @Override
            public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) throws ProcessRequestException {
                throw new ProcessRequestException("no data_sm", 0x03);
            }
        });
        session.setTransactionTimer(2_000);
        session.connectAndBind("127.0.0.1", port, new BindParameter(BindType.BIND_TRX, systemId, password, "",
                TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, null), 2_000);
    }

    String submit(String destination, byte[] body) throws Exception {
        return submit(destination, (byte) 0, (byte) 0, body);
    }

    String submit(String destination, byte esmClass, byte dataCoding, byte[] body) throws Exception {
        return session.submitShortMessage("", TypeOfNumber.ALPHANUMERIC, NumberingPlanIndicator.UNKNOWN, "Acme",
                TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, destination, new ESMClass(esmClass), (byte) 0,
                (byte) 1, null, null, new RegisteredDelivery(1), (byte) 0, new RawDataCoding(dataCoding), (byte) 0, body)
                .getMessageId();
    }

    @Override
    public void close() {
        session.unbindAndClose();
    }
}
