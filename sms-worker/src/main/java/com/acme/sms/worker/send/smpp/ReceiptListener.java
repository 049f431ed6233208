package com.acme.sms.worker.send.smpp;

import com.acme.sms.worker.inbound.MobileOriginatedSink;
import com.acme.sms.worker.receipt.Receipt;
import com.acme.sms.worker.receipt.ReceiptSink;
import io.quarkus.logging.Log;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.MessageType;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.Session;

/**
 * Takes the deliver_sm of every session. A delivery receipt is acknowledged only after the {@link ReceiptSink} stored
 * it: if storing fails, the deliver_sm_resp carries ESME_RX_T_APPN and the SMSC sends the receipt again, so a receipt
 * is never lost between the SMSC and Redis. Every other deliver_sm is a mobile-originated message, handed to the
 * {@link MobileOriginatedSink} (package {@code inbound}), which acknowledges or refuses it the same way.
 */
final class ReceiptListener implements MessageReceiverListener {

    private final ReceiptSink sink;
    private final ReceiptIdFormat idFormat;
    private final SmppMetrics metrics;
    private final MobileOriginatedSink inbound;

    ReceiptListener(ReceiptSink sink, ReceiptIdFormat idFormat, SmppMetrics metrics, MobileOriginatedSink inbound) {
        this.sink = sink;
        this.idFormat = idFormat;
        this.metrics = metrics;
        this.inbound = inbound;
    }

    @Override
    public void onAcceptDeliverSm(DeliverSm deliverSm) throws ProcessRequestException {
        if (!MessageType.SMSC_DEL_RECEIPT.containedIn(deliverSm.getEsmClass())) {
            inbound.accept(deliverSm);
            return;
        }
        OptionalParameter.Receipted_message_id tlvId = deliverSm
                .getOptionalParameter(OptionalParameter.Receipted_message_id.class);
        OptionalParameter.Message_state tlvState = deliverSm.getOptionalParameter(OptionalParameter.Message_state.class);
        Optional<Receipt> receipt = ReceiptParser.parse(deliverSm.getShortMessage(),
                tlvId == null ? null : tlvId.getValueAsString(), tlvState == null ? null : tlvState.getValue(),
                idFormat);
        if (receipt.isEmpty()) {
            // Acknowledged, not refused: the SMSC would only send the same unreadable text again, forever. The
            // message keeps its "sent" status; the log line is what an operator needs to fix the parsing.
            Log.warnf("Unreadable delivery receipt from the SMSC acknowledged and dropped: %s",
                    deliverSm.getShortMessage() == null ? "(empty)"
                            : new String(deliverSm.getShortMessage(), StandardCharsets.ISO_8859_1));
            metrics.receipt("unreadable");
            return;
        }
        try {
            sink.accept(List.of(receipt.get()));
        } catch (RuntimeException e) {
            Log.warnf("Receipt for %s not stored (%s); the SMSC is asked to send it again", receipt.get().providerId(),
                    e.toString());
            throw new ProcessRequestException("receipt not stored", CommandStatus.ESME_RX_T_APPN, e);
        }
        metrics.receipt(receipt.get().state().name());
    }

    @Override
    public void onAcceptAlertNotification(AlertNotification alertNotification) {}

    @Override
    public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) throws ProcessRequestException {
        throw new ProcessRequestException("data_sm is not supported", 0x03);
    }
}
