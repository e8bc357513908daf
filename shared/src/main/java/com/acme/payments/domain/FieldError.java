package com.acme.payments.domain;

/** A validation problem with one request field. {@code detail} never echoes the rejected value. */
public record FieldError(String field, String detail) {
}
