/**
 * The measurement vocabulary shared by the synthetic messenger (which produces the numbers), scenario expectations
 * (which test them) and the reports (which show them): {@link dev.censorsim.metrics.Metric} names every figure with its
 * unit, {@link dev.censorsim.metrics.TimeSample} is one point of a time series, and
 * {@link dev.censorsim.metrics.PhaseTags} decides which phase an outcome counts in.
 */
package dev.censorsim.metrics;
