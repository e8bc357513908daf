package com.acme.payments.api;

/** No verified merchant claim on the request (HTTP 401). */
public class UnauthenticatedException extends RuntimeException {
    public UnauthenticatedException() {
        super("no verified merchant claim");
    }
}
