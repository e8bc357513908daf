package com.acme.payments.domain;

/**
 * Root of the domain's exceptions. Each subtype maps to exactly one HTTP answer in the API layer; the message
 * is for logs and is never sent to a client as-is.
 */
public abstract class PaymentException extends RuntimeException {
    protected PaymentException(String message) {
        super(message);
    }

    protected PaymentException(String message, Throwable cause) {
        super(message, cause);
    }
}
