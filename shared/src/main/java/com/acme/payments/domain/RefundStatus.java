package com.acme.payments.domain;

/** {@code PENDING} refunds hold their amount against the captured total until the processor answers. */
public enum RefundStatus {
    PENDING,
    SUCCEEDED,
    FAILED
}
