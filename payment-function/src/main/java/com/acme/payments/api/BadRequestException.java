package com.acme.payments.api;

import com.acme.payments.domain.FieldError;

import java.util.List;

/**
 * The HTTP request itself is unusable: syntax, size, media type, headers. Belongs to the edge, so it carries its
 * HTTP status; business rules are {@link com.acme.payments.domain.ValidationException}s instead.
 */
public class BadRequestException extends RuntimeException {
    private final int status;
    private final String title;
    private final transient List<FieldError> errors;

    public BadRequestException(int status, String title, List<FieldError> errors) {
        super(title + ": " + errors.size() + " field error(s)");
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
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

    public List<FieldError> errors() {
        return errors;
    }
}
