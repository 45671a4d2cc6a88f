package dev.censorsim.dns;

/**
 * What the server needs from one query message: header fields, the single question, and the EDNS0 OPT (RFC 6891) if
 * any. {@link #problem} is non-null when the header was readable but the rest was not (the answer is FORMERR,
 * NOTIMP or BADVERS and carries no question when {@link #questionName} is {@code null}). {@link #questionWire} is the
 * question exactly as sent (name, type, class), echoed byte for byte in the response. {@link #dnssecOk} is the OPT's DO
 * bit, which the response's OPT copies (RFC 3225 §3).
 */
record IncomingQuery(int id, int opcode, boolean recursionDesired, boolean checkingDisabled, String questionName,
                     int questionType, int questionClass, byte[] questionWire, int ednsUdpSize, int ednsVersion,
                     boolean dnssecOk, Problem problem) {

    /** Why a readable query cannot be answered normally. */
    enum Problem {
        /** RCODE 1: the message is malformed or does not hold exactly one question (RFC 1035 4.1.1). */
        FORMAT_ERROR(1),
        /** RCODE 4: an opcode other than QUERY. */
        NOT_IMPLEMENTED(4),
        /** Extended RCODE 16 (BADVERS): an EDNS version above 0 (RFC 6891 6.1.3). */
        BAD_VERSION(16);

        final int rcode;

        Problem(int rcode) {
            this.rcode = rcode;
        }
    }

    /** No OPT record in the query. */
    static final int NO_EDNS = -1;

    boolean hasEdns() {
        return ednsUdpSize != NO_EDNS;
    }
}
