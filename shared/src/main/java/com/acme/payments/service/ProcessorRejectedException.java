package com.acme.payments.service;

import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentException;

/**
 * The processor declined or failed a capture, cancel or refund. The payment already records it; {@code declined}
 * distinguishes a business refusal (HTTP 402) from a processor fault (HTTP 502).
 */
public class ProcessorRejectedException extends PaymentException {
    private final transient Payment payment;
    private final boolean declined;
    private final String reason;

    public ProcessorRejectedException(Payment payment, boolean declined, String reason) {
        super((declined ? "processor declined " : "processor failed ") + "operation on payment " + payment.id());
        this.payment = payment;
        this.declined = declined;
        this.reason = reason;
    }

    public Payment payment() {
        return payment;
    }

    public boolean declined() {
        return declined;
    }

    public String reason() {
        return reason;
    }
}
