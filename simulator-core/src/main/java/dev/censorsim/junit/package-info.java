/**
 * JUnit 5 integration: {@link dev.censorsim.junit.CensorExtension} runs an in-process censor around a test class or
 * each test. JUnit is an optional dependency of simulator-core; only this package needs it.
 */
package dev.censorsim.junit;
