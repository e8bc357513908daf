package com.acme.payments.port;

/** Makes ids at request time. Never called during init: a SnapStart snapshot would share its state. */
public interface IdGenerator {
    String paymentId();

    String refundId();
}
