package com.acme.payments.port;

import com.acme.payments.domain.ValidationException;

/** A listing cursor that is malformed or belongs to another merchant (HTTP 400). */
public class InvalidCursorException extends ValidationException {
    public InvalidCursorException() {
        super("cursor", "is not a cursor issued for this listing");
    }
}
