/**
 * Toxiproxy's HTTP API over censorsim's own proxy: {@link dev.censorsim.control.toxiproxy.ToxiproxyApi} keeps
 * Toxiproxy's proxies and toxics in memory, runs each proxy as a censorsim port-forward, and compiles each proxy's
 * toxic list into a one-rule policy that it swaps atomically, so live connections get the new toxics as Toxiproxy's
 * do. Field names, defaults, status codes and error bodies follow Toxiproxy's {@code api.go}.
 */
package dev.censorsim.control.toxiproxy;
