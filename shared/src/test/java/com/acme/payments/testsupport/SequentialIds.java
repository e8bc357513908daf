package com.acme.payments.testsupport;

import com.acme.payments.port.IdGenerator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Deterministic ids in the production format (pay_/re_/att_ + a UUID), counting up from 1 whatever the request.
 * Letters break up the digit runs: a run of 13+ digits such as 000…0001 passes the Luhn check and would look like
 * a card number to PanDetector.
 */
public final class SequentialIds implements IdGenerator {
    private final AtomicLong next = new AtomicLong();

    @Override
    public String paymentId(RequestScope request) {
        return "pay_0192f7e0-abcd-7abc-8abc-abcd" + String.format("%08d", next.incrementAndGet());
    }

    @Override
    public String refundId(RequestScope request) {
        return "re_0192f7e0-abcd-7abc-9abc-abcd" + String.format("%08d", next.incrementAndGet());
    }

    @Override
    public String attemptId(RequestScope request) {
        return "att_0192f7e0-abcd-7abc-aabc-abcd" + String.format("%08d", next.incrementAndGet());
    }
}
