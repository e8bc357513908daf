package com.acme.payments.domain;

import java.util.regex.Pattern;

/**
 * A payment-method token such as {@code tok_visa4242}: the only way a card enters the system. The token is sent
 * to the processor and nowhere else; what is stored, shown and logged is {@link #masked()}.
 * {@link #toString()} is masked too, so a token cannot reach a log by accident.
 */
public final class PaymentMethodToken {
    /** A whole, valid token. */
    private static final Pattern VALID = Pattern.compile("(tok|pm)_[A-Za-z0-9_]{4,64}");
    /**
     * Anything in free text that looks like a token: used to keep tokens out of logs and error messages.
     * Group 1 is the type prefix, group 2 the last four characters.
     */
    public static final Pattern LOOKS_LIKE_TOKEN = Pattern.compile("(tok|pm)_[A-Za-z0-9_]*([A-Za-z0-9]{4})");

    private final String value;

    private PaymentMethodToken(String value) {
        this.value = value;
    }

    /**
     * @throws ValidationException naming {@code paymentMethod} when the text is not a token (without echoing it)
     */
    public static PaymentMethodToken of(String text) {
        if (text == null || text.isEmpty()) {
            throw new ValidationException("paymentMethod", "is required");
        }
        if (PanDetector.containsPan(text)) {
            throw new ValidationException("paymentMethod", "looks like a card number; send a payment-method token");
        }
        if (!VALID.matcher(text).matches()) {
            throw new ValidationException("paymentMethod", "must be a payment-method token such as tok_…");
        }
        return new PaymentMethodToken(text);
    }

    /** The token itself, for the processor call only. */
    public String reveal() {
        return value;
    }

    /** What is stored and shown instead of the token: its type prefix and last four characters. */
    public String masked() {
        int underscore = value.indexOf('_');
        return value.substring(0, underscore + 1) + "…" + value.substring(value.length() - 4);
    }

    /** Whether free text contains something shaped like a token. */
    public static boolean appearsIn(String text) {
        return text != null && LOOKS_LIKE_TOKEN.matcher(text).find();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PaymentMethodToken t && t.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return masked();
    }
}
