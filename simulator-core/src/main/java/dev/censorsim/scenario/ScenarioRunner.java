package dev.censorsim.scenario;

import dev.censorsim.report.ScenarioReport;

/**
 * Runs a scenario end to end: starts the messenger server, the censor proxy and the messenger client on loopback,
 * steps the proxy's policy through the timeline, cuts the client's metrics at each phase boundary and checks each
 * phase's expectations against them.
 */
public interface ScenarioRunner {

    /**
     * Runs {@code scenario} to the end of its timeline (under its time scale) and returns what was run and seen.
     *
     * @throws Exception when the run itself fails (a port in use, a TLS set-up error); failed expectations are not
     *                   exceptions, they are in the report
     */
    ScenarioReport run(Scenario scenario, ProgressListener progress) throws Exception;
}
