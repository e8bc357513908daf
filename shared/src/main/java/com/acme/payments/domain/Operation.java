package com.acme.payments.domain;

/** A processor call whose outcome is not yet recorded on the payment. */
public enum Operation {
    AUTHORIZE,
    CAPTURE,
    CANCEL
}
