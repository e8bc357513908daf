package com.acme.payments.domain;

/**
 * A dependency (table, parameter store, processor) failed. {@code retryable} distinguishes "try again later"
 * (HTTP 503) from a fault that needs an operator (HTTP 500).
 */
public class DependencyException extends PaymentException {
    private final boolean retryable;

    public DependencyException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
