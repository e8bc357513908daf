package com.acme.payments.domain;

/**
 * Lifecycle of a payment. {@code PENDING} means the processor's answer to the authorization is not known
 * yet (for example it timed out); it is resolved by reconciliation, never guessed.
 */
public enum PaymentStatus {
    PENDING,
    AUTHORIZED,
    CAPTURED,
    PARTIALLY_REFUNDED,
    REFUNDED,
    CANCELED,
    DECLINED,
    FAILED;

    /** Whether money can still move on this payment. */
    public boolean isTerminal() {
        return this == REFUNDED || this == CANCELED || this == DECLINED || this == FAILED;
    }
}
