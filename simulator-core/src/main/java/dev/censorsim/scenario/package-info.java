/**
 * Scenario files: a messenger workload, named censor policies and a timeline of phases with expectations.
 * {@link dev.censorsim.scenario.Scenario#load} validates a file completely (errors read {@code file:line:col: ...});
 * {@link dev.censorsim.scenario.Expectation} checks a phase's metrics; a
 * {@link dev.censorsim.scenario.ScenarioRunner} runs the timeline and returns a
 * {@link dev.censorsim.report.ScenarioReport}.
 */
package dev.censorsim.scenario;
