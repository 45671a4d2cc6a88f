/**
 * Censor policies: the policy file ({@link dev.censorsim.policy.PolicyLoader}), its compiled, immutable rule set
 * ({@link dev.censorsim.policy.CompiledPolicy}, swapped atomically through {@link dev.censorsim.policy.PolicyHolder}),
 * and the contract between actions and the relay ({@link dev.censorsim.policy.TcpAction},
 * {@link dev.censorsim.policy.TcpFlowControl}, {@link dev.censorsim.policy.TokenBucket}).
 *
 * <p>Path of a policy: YAML text, then a located node tree ({@link dev.censorsim.policy.PolicyNode}, so every error
 * names {@code file:line:column}), then compiled rules. A flow is evaluated once, when classified: the first rule whose
 * {@code match} holds gives the {@link dev.censorsim.policy.Verdict}, and the relay applies its action.
 */
package dev.censorsim.policy;
