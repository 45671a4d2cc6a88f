package dev.censorsim.policy.action.dns;

/** {@code nxdomain}: answer NXDOMAIN, as Russia's resolvers do for names removed from the national resolver (Feb 2026). */
public record NxdomainAction() implements DnsAction {

    public static final String TYPE = "nxdomain";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(DnsAnswerControl answer) {
        answer.nxdomain();
    }

    @Override
    public String describe() {
        return TYPE;
    }
}
