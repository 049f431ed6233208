package com.acme.sms.worker.send.smpp;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** SMPP command_status values: their names for people, and which ones are worth trying again. */
final class CommandStatus {

    static final int ESME_RINVBNDSTS = 0x04;
    static final int ESME_RSYSERR = 0x08;
    static final int ESME_RBINDFAIL = 0x0D;
    static final int ESME_RINVPASWD = 0x0E;
    static final int ESME_RINVSYSID = 0x0F;
    static final int ESME_RMSGQFUL = 0x14;
    static final int ESME_RTHROTTLED = 0x58;
    static final int ESME_RX_T_APPN = 0x64;

    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(0x01, "ESME_RINVMSGLEN"),
            Map.entry(0x02, "ESME_RINVCMDLEN"), Map.entry(0x03, "ESME_RINVCMDID"), Map.entry(0x04, "ESME_RINVBNDSTS"),
            Map.entry(0x05, "ESME_RALYBND"), Map.entry(0x06, "ESME_RINVPRTFLG"), Map.entry(0x07, "ESME_RINVREGDLVFLG"),
            Map.entry(0x08, "ESME_RSYSERR"), Map.entry(0x0A, "ESME_RINVSRCADR"), Map.entry(0x0B, "ESME_RINVDSTADR"),
            Map.entry(0x0C, "ESME_RINVMSGID"), Map.entry(0x0D, "ESME_RBINDFAIL"), Map.entry(0x0E, "ESME_RINVPASWD"),
            Map.entry(0x0F, "ESME_RINVSYSID"), Map.entry(0x14, "ESME_RMSGQFUL"), Map.entry(0x15, "ESME_RINVSERTYP"),
            Map.entry(0x33, "ESME_RINVNUMDESTS"), Map.entry(0x43, "ESME_RINVESMCLASS"), Map.entry(0x45, "ESME_RSUBMITFAIL"),
            Map.entry(0x48, "ESME_RINVSRCTON"), Map.entry(0x49, "ESME_RINVSRCNPI"), Map.entry(0x50, "ESME_RINVDSTTON"),
            Map.entry(0x51, "ESME_RINVDSTNPI"), Map.entry(0x53, "ESME_RINVSYSTYP"), Map.entry(0x58, "ESME_RTHROTTLED"),
            Map.entry(0x61, "ESME_RINVSCHED"), Map.entry(0x62, "ESME_RINVEXPIRY"), Map.entry(0x64, "ESME_RX_T_APPN"),
            Map.entry(0x65, "ESME_RX_P_APPN"), Map.entry(0x66, "ESME_RX_R_APPN"), Map.entry(0xFF, "ESME_RUNKNOWNERR"));

    /** The SMSC is busy or briefly broken: the same submit_sm may pass later. Anything else is about the message. */
    private static final Set<Integer> TRANSIENT = Set.of(ESME_RINVBNDSTS, ESME_RSYSERR, ESME_RMSGQFUL, ESME_RTHROTTLED,
            ESME_RX_T_APPN);

    private static final Pattern JSMPP_NEGATIVE = Pattern.compile("Negative response ([0-9a-fA-F]{8})");

    private CommandStatus() {}

    static String name(int status) {
        return NAMES.getOrDefault(status, "status");
    }

    /** As carriers and our error_code column write it: {@code 0x0000000B}. */
    static String hex(int status) {
        return String.format("0x%08X", status);
    }

    static String describe(int status) {
        return name(status) + " (" + hex(status) + ")";
    }

    static boolean isTransient(int status) {
        return TRANSIENT.contains(status);
    }

    static boolean slowsDown(int status) {
        return status == ESME_RTHROTTLED || status == ESME_RMSGQFUL;
    }

    /** jSMPP reports a refused bind as an IOException whose message names the status; -1 when it is not one. */
    static int ofRefusedBind(String message) {
        if (message == null) {
            return -1;
        }
        Matcher m = JSMPP_NEGATIVE.matcher(message);
        return m.find() ? Integer.parseInt(m.group(1), 16) : -1;
    }
}
