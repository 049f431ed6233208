package com.acme.sms.smsc;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How the simulated SMSC behaves. Tests build one with {@link #defaults()} and the {@code with…} methods; bin/smsc
 * gets one from flags and {@code SMSC_*} environment variables ({@link #parse}).
 *
 * @param port the SMPP port; 0 picks a free one ({@link SmscSimulator#port()} tells which)
 * @param controlPort the HTTP control port (/drop, /stats, /pause, /resume); 0 picks a free one, -1 serves none
 * @param receiptDelay how long after the submit_sm_resp the delivery receipt goes out; zero: at once
 * @param undeliveredPrefix destinations starting with it get a receipt stat:UNDELIV (null: none)
 * @param rejectedPrefix destinations starting with it are refused with ESME_RINVDSTADR, and get no receipt
 * @param tps submit_sm accepted per second and session; more are answered ESME_RTHROTTLED (0: no cap)
 * @param idFormat how the submit_sm_resp gives the message id
 * @param receiptIdFormat how the receipt (text {@code id:} and receipted_message_id) gives it: SMSCs that answer
 *     in hex and report in decimal are common, and a client must be told (Kannel's msg-id-type)
 * @param receiptTlvs whether the receipt carries receipted_message_id and message_state; without them a client
 *     must parse the text
 * @param receiptRetry the first pause before a receipt that was not acknowledged goes out again (then doubling, at
 *     most 30 s)
 */
public record SmscSettings(int port, int controlPort, String systemId, String password, Duration receiptDelay,
        String undeliveredPrefix, String rejectedPrefix, int tps, IdFormat idFormat, IdFormat receiptIdFormat,
        boolean receiptTlvs, Duration receiptRetry) {

    public enum IdFormat {
        HEX,
        DECIMAL;

        String format(long id) {
            return this == HEX ? Long.toHexString(id) : Long.toString(id);
        }
    }

    public static final String USAGE = """
            Usage: bin/smsc [flags]   (each flag also as environment variable SMSC_<FLAG>, e.g. SMSC_PORT)
              --port N                 SMPP port (default 2775; 0: any free port)
              --control-port N         HTTP control port: POST /drop, GET /stats, POST /pause, POST /resume,
                                       POST /mo?from=+4915112345678&to=Acme&text=STOP (a handset's message)
                                       (default 2776; 0: any free port; -1: none)
              --system-id ID           the only system_id that may bind (default smsc)
              --password PW            its password (default secret)
              --receipt-delay MS       delivery receipt this long after the submit_sm_resp (default 1000; 0: at once)
              --undelivered-prefix P   destinations starting with P get a receipt stat:UNDELIV err:001
              --rejected-prefix P      destinations starting with P are refused: ESME_RINVDSTADR, no receipt
              --tps N                  submit_sm per second and session, beyond: ESME_RTHROTTLED (default 0: no cap)
              --id-format hex|decimal  message id in the submit_sm_resp (default hex)
              --receipt-id-format hex|decimal
                                       message id in the receipt (default: as --id-format; the usual quirk:
                                       --id-format hex --receipt-id-format decimal)
              --no-receipt-tlv         receipts without receipted_message_id and message_state TLVs
              --receipt-retry MS       first retry of an unacknowledged receipt (default 1000, doubling)
            """;

    /** What a test usually wants: any free port, no control port, receipts at once. */
    public static SmscSettings defaults() {
        return new SmscSettings(0, -1, "smsc", "secret", Duration.ZERO, null, null, 0, IdFormat.HEX, IdFormat.HEX, true,
                Duration.ofMillis(200));
    }

    public SmscSettings withPort(int p) {
        return new SmscSettings(p, controlPort, systemId, password, receiptDelay, undeliveredPrefix, rejectedPrefix, tps,
                idFormat, receiptIdFormat, receiptTlvs, receiptRetry);
    }

    public SmscSettings withControlPort(int p) {
        return new SmscSettings(port, p, systemId, password, receiptDelay, undeliveredPrefix, rejectedPrefix, tps,
                idFormat, receiptIdFormat, receiptTlvs, receiptRetry);
    }

    public SmscSettings withCredentials(String id, String pw) {
        return new SmscSettings(port, controlPort, id, pw, receiptDelay, undeliveredPrefix, rejectedPrefix, tps, idFormat,
                receiptIdFormat, receiptTlvs, receiptRetry);
    }

    public SmscSettings withReceiptDelay(Duration d) {
        return new SmscSettings(port, controlPort, systemId, password, d, undeliveredPrefix, rejectedPrefix, tps, idFormat,
                receiptIdFormat, receiptTlvs, receiptRetry);
    }

    public SmscSettings withUndeliveredPrefix(String p) {
        return new SmscSettings(port, controlPort, systemId, password, receiptDelay, p, rejectedPrefix, tps, idFormat,
                receiptIdFormat, receiptTlvs, receiptRetry);
    }

    public SmscSettings withRejectedPrefix(String p) {
        return new SmscSettings(port, controlPort, systemId, password, receiptDelay, undeliveredPrefix, p, tps, idFormat,
                receiptIdFormat, receiptTlvs, receiptRetry);
    }

    public SmscSettings withTps(int t) {
        return new SmscSettings(port, controlPort, systemId, password, receiptDelay, undeliveredPrefix, rejectedPrefix, t,
                idFormat, receiptIdFormat, receiptTlvs, receiptRetry);
    }

    public SmscSettings withIdFormats(IdFormat submit, IdFormat receipt) {
        return new SmscSettings(port, controlPort, systemId, password, receiptDelay, undeliveredPrefix, rejectedPrefix, tps,
                submit, receipt, receiptTlvs, receiptRetry);
    }

    public SmscSettings withReceiptTlvs(boolean on) {
        return new SmscSettings(port, controlPort, systemId, password, receiptDelay, undeliveredPrefix, rejectedPrefix, tps,
                idFormat, receiptIdFormat, on, receiptRetry);
    }

    public SmscSettings withReceiptRetry(Duration d) {
        return new SmscSettings(port, controlPort, systemId, password, receiptDelay, undeliveredPrefix, rejectedPrefix, tps,
                idFormat, receiptIdFormat, receiptTlvs, d);
    }

    /**
     * Settings from command-line flags ({@code --name value}, {@code --name=value}) over {@code SMSC_*} environment
     * variables over the bin/smsc defaults (port 2775, control port 2776, receipts after 1 s).
     *
     * @throws IllegalArgumentException on an unknown flag or a bad value, with a message for the user
     */
    public static SmscSettings parse(String[] args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String flag : FLAGS) {
            String v = env.get("SMSC_" + flag.toUpperCase(Locale.ROOT).replace('-', '_'));
            if (v != null && !v.isEmpty()) {
                values.put(flag, v);
            }
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (name.equals("no-receipt-tlv")) {
                name = "receipt-tlv";
                value = "false";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!FLAGS.contains(name)) {
                throw new IllegalArgumentException("unknown flag --" + name);
            }
            values.put(name, value);
        }
        int port = integer(values, "port", 2775);
        IdFormat idFormat = idFormat(values.getOrDefault("id-format", "hex"));
        return new SmscSettings(port, integer(values, "control-port", 2776), values.getOrDefault("system-id", "smsc"),
                values.getOrDefault("password", "secret"), Duration.ofMillis(integer(values, "receipt-delay", 1000)),
                values.get("undelivered-prefix"), values.get("rejected-prefix"), integer(values, "tps", 0), idFormat,
                values.containsKey("receipt-id-format") ? idFormat(values.get("receipt-id-format")) : idFormat,
                Boolean.parseBoolean(values.getOrDefault("receipt-tlv", "true")),
                Duration.ofMillis(integer(values, "receipt-retry", 1000)));
    }

    private static final java.util.List<String> FLAGS = java.util.List.of("port", "control-port", "system-id",
            "password", "receipt-delay", "undelivered-prefix", "rejected-prefix", "tps", "id-format",
            "receipt-id-format", "receipt-tlv", "receipt-retry");

    private static int integer(Map<String, String> values, String name, int fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, not " + v);
        }
    }

    private static IdFormat idFormat(String v) {
        try {
            return IdFormat.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an id format is hex or decimal, not " + v);
        }
    }
}
