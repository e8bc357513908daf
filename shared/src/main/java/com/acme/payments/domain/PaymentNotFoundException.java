package com.acme.payments.domain;

/** Unknown payment, or a payment of another merchant: both answer 404 so ids cannot be probed. */
public class PaymentNotFoundException extends PaymentException {
    public PaymentNotFoundException(String paymentId) {
        super("payment not found: " + paymentId);
    }
}
