package com.acme.payments.domain;

import java.time.Instant;

/** One entry of a payment's history: what changed, when, and why. */
public record Transition(PaymentStatus from, PaymentStatus to, Instant at, String reason) {
}
