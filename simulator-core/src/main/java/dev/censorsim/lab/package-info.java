/**
 * A censor to put real apps under: {@link dev.censorsim.lab.Lab} runs every front end on one live policy with the
 * control API; {@code censorsim serve} and the JUnit extension both use it.
 */
package dev.censorsim.lab;
