/**
 * The control API: an HTTP server that steers a running censor (policies, phases, flows, metrics) and speaks
 * Toxiproxy's API for the clients users already have.
 */
package dev.censorsim.control;
