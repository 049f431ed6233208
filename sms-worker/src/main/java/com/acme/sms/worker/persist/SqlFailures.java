package com.acme.sms.worker.persist;

import java.sql.SQLException;

/**
 * Tells a failure PostgreSQL will repeat for the same rows from one that may pass on the next try, by the SQLState
 * class of the error (PostgreSQL Appendix A). Retrying a repeatable failure forever wedged the batch and every
 * consumer that reclaimed it (issue 17, item 6).
 */
public final class SqlFailures {

    /** What a failed write means for the batch. */
    public enum Kind {
        /**
         * The rows' data is refused (21 cardinality, 22 data exception, 23 integrity constraint, 44 check option): the
         * same rows fail again, other rows pass. The offending message is isolated and failed.
         */
        DATA_REFUSED,
        /**
         * The statement itself is refused (42 syntax or access rule, 0A feature not supported): a schema or deploy
         * mismatch. It is as repeatable, but no message is at fault, so failing messages for it would turn a deploy
         * mistake into refunds of everything: the batch is kept and retried, loudly, until an operator fixes it.
         */
        STATEMENT_REFUSED,
        /** Anything else (connection lost, serialization failure, deadlock, too many connections, shutdown). */
        TRANSIENT
    }

    private SqlFailures() {}

    public static Kind classify(SQLException e) {
        String state = e.getSQLState();
        if (state == null || state.length() < 2) {
            return Kind.TRANSIENT;
        }
        return switch (state.substring(0, 2)) {
            case "21", "22", "23", "44" -> Kind.DATA_REFUSED;
            case "42", "0A" -> Kind.STATEMENT_REFUSED;
            default -> Kind.TRANSIENT;
        };
    }
}
