package com.acme.payments.domain;

import java.time.Instant;

/** A (partial) refund of a captured payment. */
public record Refund(String id, long amount, RefundStatus status, Instant createdAt, String processorReference,
                     String failureReason) {

    public Refund withOutcome(RefundStatus newStatus, String reference, String reason) {
        return new Refund(id, amount, newStatus, createdAt, reference, reason);
    }

    /** Pending refunds count against the refundable balance so that concurrent refunds can never exceed it. */
    public boolean holdsFunds() {
        return status == RefundStatus.PENDING || status == RefundStatus.SUCCEEDED;
    }
}
