package com.acme.payments.api;

import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.ValidationException;

import java.util.List;

/** The HTTP request itself is unusable (syntax, size, media type). {@code status} is a 4xx. */
public class BadRequestException extends ValidationException {
    private final int status;
    private final String title;

    public BadRequestException(int status, String title, List<FieldError> errors) {
        super(errors);
        this.status = status;
        this.title = title;
    }

    public BadRequestException(int status, String title, String field, String detail) {
        this(status, title, List.of(new FieldError(field, detail)));
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
