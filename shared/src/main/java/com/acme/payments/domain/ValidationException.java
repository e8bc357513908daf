package com.acme.payments.domain;

import java.util.List;

/** The request is well-formed JSON but breaks a rule (HTTP 400). */
public class ValidationException extends PaymentException {
    private final transient List<FieldError> errors;

    public ValidationException(List<FieldError> errors) {
        super("validation failed: " + errors.size() + " field error(s)");
        this.errors = List.copyOf(errors);
    }

    public ValidationException(String field, String detail) {
        this(List.of(new FieldError(field, detail)));
    }

    public List<FieldError> errors() {
        return errors;
    }
}
