package dev.censorsim.report;

/**
 * The outcome of one expectation in one phase.
 *
 * @param expression the expectation as written in the scenario file
 * @param phase      the phase it was checked in
 * @param metric     the name of the measured metric
 * @param measured   the measured value in the metric's unit, or {@code NaN} when not measured
 * @param threshold  the value it was compared with, or {@code NaN} when that depends on a figure not measured
 * @param passed     whether it held; never true when either value is missing
 * @param message    one line with units, e.g. {@code measured 9.98 Mbit/s, expected <= 10.20 Mbit/s}
 */
public record ExpectationResult(String expression, String phase, String metric, double measured, double threshold,
                                boolean passed, String message) {

    /** {@code phase: expression}, the name JUnit XML and the summary use. */
    public String title() {
        return phase + ": " + expression;
    }
}
