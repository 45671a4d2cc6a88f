/**
 * The evasion matrix: each client-side evasion of SNI censorship, crafted as real bytes, run over real sockets
 * through the censor proxy with a policy, and judged by what the client saw (a reset, silence, a slow or a full-rate
 * response).
 */
package dev.censorsim.evasion;
