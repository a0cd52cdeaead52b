/**
 * The STS client Keyless calls: built in one place, with the timeouts, retries and error-body redaction
 * that every module of Keyless relies on.
 */
package dev.keyless.sts;
