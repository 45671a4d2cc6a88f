/**
 * The TCP actions a rule may take, one immutable record per file, each registered in
 * {@link dev.censorsim.policy.action.ActionRegistry} under the {@code type:} name policy files use.
 */
package dev.censorsim.policy.action;
