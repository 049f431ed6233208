package com.acme.sms.smsc;

/**
 * What became of a mobile-originated message the simulator sent to the ESME as a deliver_sm (see
 * {@link SmscSimulator#sendMobileOriginated}). Sent once: like the user of the control port, the caller decides
 * whether to send it again after a refusal.
 *
 * @param outcome {@code acknowledged} (deliver_sm_resp ESME_ROK), {@code refused} (an error status), {@code no_session}
 *     (no session bound as receiver or transceiver), {@code no_answer} (no deliver_sm_resp in time, or the session
 *     died)
 * @param commandStatus the deliver_sm_resp's command_status; -1 without one
 */
public record MobileOriginated(String outcome, int commandStatus, String detail) {

    static final String ACKNOWLEDGED = "acknowledged";
    static final String REFUSED = "refused";
    static final String NO_SESSION = "no_session";
    static final String NO_ANSWER = "no_answer";

    public boolean acknowledged() {
        return ACKNOWLEDGED.equals(outcome);
    }

    public String toJson() {
        return "{\"outcome\":\"" + outcome + "\",\"acknowledged\":" + acknowledged() + ",\"command_status\":"
                + (commandStatus < 0 ? "null" : "\"" + String.format("0x%08X", commandStatus) + "\"") + ",\"detail\":\""
                + detail.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\x00-\\x1f]", " ") + "\"}";
    }
}
