package com.acme.payments.domain;

/**
 * Processor idempotency keys derived from our own ids. One attempt has one key for all its re-sends, so a re-send
 * after a lost answer can never move money twice, and a new attempt (a new client request) gets a new key.
 */
public final class ProcessorKeys {
    private ProcessorKeys() {
    }

    public static String of(Operation operation, String attemptId) {
        return attemptId + ":" + operation.name().toLowerCase(java.util.Locale.ROOT);
    }

    public static String refund(String refundId) {
        return refundId + ":refund";
    }
}
