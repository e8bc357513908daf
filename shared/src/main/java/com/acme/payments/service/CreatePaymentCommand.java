package com.acme.payments.service;

import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.Money;
import com.acme.payments.domain.PanDetector;
import com.acme.payments.domain.PaymentMethodToken;
import com.acme.payments.domain.ValidationException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request to create a payment, valid by construction: {@link #of} checks every intrinsic rule once and reports
 * all broken rules together, naming fields but never echoing values. The configured policy (which currencies are
 * accepted, up to which amount) is the service's to check, because it changes at run time.
 */
public record CreatePaymentCommand(Money amount, PaymentMethodToken paymentMethod, String description,
                                   Map<String, String> metadata, boolean capture) {
    static final int MAX_DESCRIPTION = 255;
    static final int MAX_METADATA_ENTRIES = 20;
    static final int MAX_METADATA_KEY = 40;
    static final int MAX_METADATA_VALUE = 500;

    public CreatePaymentCommand {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /**
     * @param amount     minor units as sent, or null when missing
     * @param currency   as sent, or null when missing
     * @throws ValidationException listing every broken rule
     */
    public static CreatePaymentCommand of(Long amount, String currency, String paymentMethod, String description,
                                          Map<String, String> metadata, boolean capture) {
        List<FieldError> errors = new ArrayList<>();
        Money money = null;
        if (!Money.isCurrency(currency)) {
            errors.add(new FieldError("currency", currency == null ? "is required"
                    : "must be an uppercase ISO 4217 code"));
        }
        if (amount == null) {
            errors.add(new FieldError("amount", "is required"));
        } else if (amount <= 0) {
            errors.add(new FieldError("amount", "must be a positive integer in minor units"));
        } else if (amount > Money.MAX_EXACT_JSON) {
            errors.add(new FieldError("amount", "is too large"));
        } else if (errors.isEmpty()) {
            money = Money.of(amount, currency);
        }
        PaymentMethodToken token = collect(errors, () -> PaymentMethodToken.of(paymentMethod));
        if (description != null) {
            if (characters(description) > MAX_DESCRIPTION) {
                errors.add(new FieldError("description", "must be at most " + MAX_DESCRIPTION + " characters"));
            }
            if (PanDetector.containsPan(description)) {
                errors.add(new FieldError("description", "must not contain a card number"));
            }
            if (hasControlCharacters(description)) {
                errors.add(new FieldError("description", "must not contain control characters"));
            }
        }
        Map<String, String> meta = metadata == null ? Map.of() : new LinkedHashMap<>(metadata);
        validateMetadata(meta, errors);
        if (!errors.isEmpty()) {
            throw new ValidationException(List.copyOf(new java.util.LinkedHashSet<>(errors)));
        }
        return new CreatePaymentCommand(money, token, description, meta, capture);
    }

    private static <T> T collect(List<FieldError> errors, java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (ValidationException e) {
            errors.addAll(e.errors());
            return null;
        }
    }

    private static void validateMetadata(Map<String, String> metadata, List<FieldError> errors) {
        if (metadata.size() > MAX_METADATA_ENTRIES) {
            errors.add(new FieldError("metadata", "must have at most " + MAX_METADATA_ENTRIES + " entries"));
            return;
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key.isEmpty() || characters(key) > MAX_METADATA_KEY || hasControlCharacters(key)) {
                errors.add(new FieldError("metadata", "keys must be 1-" + MAX_METADATA_KEY + " printable characters"));
            } else if (value == null || characters(value) > MAX_METADATA_VALUE || hasControlCharacters(value)) {
                // The field name is sent back to the client: never build it from a key that holds a card number.
                String field = PanDetector.containsPan(key) ? "metadata" : "metadata." + key;
                errors.add(new FieldError(field, "must be a string of at most " + MAX_METADATA_VALUE
                        + " printable characters"));
            }
            if (PanDetector.containsPan(key) || PanDetector.containsPan(value)) {
                errors.add(new FieldError("metadata", "must not contain a card number"));
            }
        }
    }

    /** Characters as the contract's maxLength counts them (code points, not UTF-16 units: one emoji is one). */
    private static int characters(String s) {
        return s.codePointCount(0, s.length());
    }

    static boolean hasControlCharacters(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "CreatePaymentCommand[amount=" + amount + ", capture=" + capture + "]";
    }
}
