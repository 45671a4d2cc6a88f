package dev.censorsim.policy.action.dns;

/** {@code servfail}: answer SERVFAIL. */
public record ServfailAction() implements DnsAction {

    public static final String TYPE = "servfail";

    /** RCODE 2, RFC 1035 section 4.1.1. */
    public static final int SERVFAIL = 2;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(DnsAnswerControl answer) {
        answer.rcode(SERVFAIL);
    }

    @Override
    public String describe() {
        return TYPE;
    }
}
