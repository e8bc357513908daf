package com.acme.payments.api;

import com.acme.payments.domain.PaymentException;

/** No verified merchant claim on the request (HTTP 401). */
public class UnauthenticatedException extends PaymentException {
    public UnauthenticatedException() {
        super("no verified merchant claim");
    }
}
