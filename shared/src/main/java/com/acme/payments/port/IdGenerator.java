package com.acme.payments.port;

/** Makes ids at request time. Never called during init: a SnapStart snapshot would share its state. */
public interface IdGenerator {
    String paymentId();

    String refundId();

    /** The id of one capture or cancel request (its processor key is derived from it). */
    String attemptId();
}
