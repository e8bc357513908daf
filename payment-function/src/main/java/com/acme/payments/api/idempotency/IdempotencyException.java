package com.acme.payments.api.idempotency;

/** The Idempotency-Key cannot be used for this request now. */
public class IdempotencyException extends RuntimeException {
    /** Why the key was refused; each maps to one HTTP status. */
    public enum Kind {
        /** The key is missing or malformed (400). */
        INVALID_KEY,
        /** The first request with this key is still running (409). */
        IN_FLIGHT,
        /** The key was used with a different request (422). */
        MISMATCH
    }

    private final Kind kind;

    public IdempotencyException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
