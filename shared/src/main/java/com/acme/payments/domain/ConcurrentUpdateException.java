package com.acme.payments.domain;

/** Another request changed the payment first (optimistic version check lost); the caller may reload and retry. */
public class ConcurrentUpdateException extends PaymentException {
    public ConcurrentUpdateException(String paymentId) {
        super("concurrent update of payment " + paymentId);
    }
}
