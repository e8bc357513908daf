package com.acme.payments.domain;

import java.time.Instant;

/**
 * A (partial) refund of a captured payment.
 *
 * @param lastSentAt when the refund call was last (re-)sent to the processor (see {@link PendingCall#lastSentAt()})
 * @param sends      how many times it was sent
 */
public record Refund(String id, long amount, RefundStatus status, Instant createdAt, Instant lastSentAt, int sends,
                     String processorReference, String failureReason) {

    Refund withOutcome(RefundStatus newStatus, String reference, String reason) {
        return new Refund(id, amount, newStatus, createdAt, lastSentAt, sends, reference, reason);
    }

    Refund resent(Instant now) {
        return new Refund(id, amount, status, createdAt, now, sends + 1, processorReference, failureReason);
    }

    /** Pending refunds count against the refundable balance so that concurrent refunds can never exceed it. */
    public boolean holdsFunds() {
        return status == RefundStatus.PENDING || status == RefundStatus.SUCCEEDED;
    }

    public String processorKey() {
        return ProcessorKeys.refund(id);
    }
}
