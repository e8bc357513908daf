package com.acme.payments.domain;

import java.time.Instant;

/**
 * A processor call (authorize, capture or cancel) whose outcome is not recorded yet.
 *
 * @param attemptId  the request attempt this call belongs to; outcomes are applied only to the attempt they answer
 * @param amount     the amount the call moves (0 for a cancel)
 * @param lastSentAt when the call was last (re-)sent; "the processor never saw it" is concluded only a grace period
 *                   after this, so a resumed call is never failed while it may still be on its way
 * @param sends      how many times it was sent; a reconciliation decision is applied only to the send it saw
 */
public record PendingCall(Operation operation, String attemptId, long amount, Instant lastSentAt, int sends) {

    /** The processor idempotency key of this call: the same for every re-send of one attempt. */
    public String processorKey() {
        return ProcessorKeys.of(operation, attemptId);
    }

    PendingCall resent(Instant now) {
        return new PendingCall(operation, attemptId, amount, now, sends + 1);
    }
}
