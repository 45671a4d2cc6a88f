package dev.censorsim.policy.action.dns;

/** {@code refused}: answer REFUSED. */
public record RefusedAction() implements DnsAction {

    public static final String TYPE = "refused";

    /** RCODE 5, RFC 1035 section 4.1.1. */
    public static final int REFUSED = 5;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(DnsAnswerControl answer) {
        answer.rcode(REFUSED);
    }

    @Override
    public String describe() {
        return TYPE;
    }
}
