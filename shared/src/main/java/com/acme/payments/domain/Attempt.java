package com.acme.payments.domain;

import java.time.Instant;

/**
 * A finished capture or cancel attempt, kept so that a retry of the same request finds its outcome instead of
 * starting a second attempt.
 */
public record Attempt(String id, Operation operation, long amount, Outcome outcome, String reason, Instant at) {
    /** What the processor said about an attempt. */
    public enum Outcome {
        APPROVED,
        DECLINED,
        FAILED
    }
}
