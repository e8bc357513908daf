package com.acme.payments.domain;

/** A processor call on the payment itself (refunds are tracked per refund). */
public enum Operation {
    AUTHORIZE,
    CAPTURE,
    CANCEL
}
