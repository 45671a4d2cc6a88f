/**
 * Units every feature shares: durations ({@link dev.censorsim.units.Durations}), sizes
 * ({@link dev.censorsim.units.DataSize}), rates ({@link dev.censorsim.units.DataRate}), the number-with-unit parser
 * behind them ({@link dev.censorsim.units.UnitNumber}) and the {@link dev.censorsim.units.Direction} of a flow.
 *
 * <p>This package belongs to no feature and imports nothing of censorsim's, so policies, the relay, the messenger,
 * scenarios and the CLI all use it without depending on each other.
 */
package dev.censorsim.units;
