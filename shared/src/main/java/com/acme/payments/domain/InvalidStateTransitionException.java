package com.acme.payments.domain;

/** The operation is not allowed in the payment's current status (HTTP 409). */
public class InvalidStateTransitionException extends PaymentException {
    private final PaymentStatus currentStatus;

    public InvalidStateTransitionException(PaymentStatus currentStatus, String detail) {
        super(detail);
        this.currentStatus = currentStatus;
    }

    public PaymentStatus currentStatus() {
        return currentStatus;
    }
}
