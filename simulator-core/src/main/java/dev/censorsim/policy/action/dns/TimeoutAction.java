package dev.censorsim.policy.action.dns;

/** {@code timeout}: send no answer at all, so the client's lookup times out. */
public record TimeoutAction() implements DnsAction {

    public static final String TYPE = "timeout";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(DnsAnswerControl answer) {
        answer.drop();
    }

    @Override
    public String describe() {
        return TYPE;
    }
}
