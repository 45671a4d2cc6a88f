package dev.censorsim.report;

/** A phase as a shaded band on a chart's time axis, in seconds since the run started. */
record PhaseBand(String name, double startSeconds, double endSeconds) {
}
