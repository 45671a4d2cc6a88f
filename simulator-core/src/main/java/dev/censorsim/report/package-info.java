/**
 * Scenario run reports: the model ({@link dev.censorsim.report.ScenarioReport}: what was run, then what was seen)
 * and its writers: {@code report.json}, {@code junit.xml} for CI, a self-contained {@code report.html} with inline SVG
 * charts, and the console {@link dev.censorsim.report.SummaryTable}.
 */
package dev.censorsim.report;
