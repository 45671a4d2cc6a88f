package dev.censorsim.policy.action.dns;

/** {@code nodata}: answer NOERROR with no records (NODATA). */
public record NodataAction() implements DnsAction {

    public static final String TYPE = "nodata";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(DnsAnswerControl answer) {
        answer.nodata();
    }

    @Override
    public String describe() {
        return TYPE;
    }
}
