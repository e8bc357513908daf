package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.PanDetector;
import com.acme.payments.domain.ValidationException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Business rules for a new payment. Messages describe the rule, never the rejected value. */
public final class PaymentValidator {
    static final int MAX_DESCRIPTION = 255;
    static final int MAX_METADATA_ENTRIES = 20;
    static final int MAX_METADATA_KEY = 40;
    static final int MAX_METADATA_VALUE = 500;
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Pattern TOKEN = Pattern.compile("(tok|pm)_[A-Za-z0-9_]{4,64}");

    private PaymentValidator() {
    }

    /**
     * @throws ValidationException listing every broken rule
     */
    public static void validate(CreatePaymentCommand command, AppConfig config) {
        List<FieldError> errors = new ArrayList<>();
        String currency = command.currency();
        if (currency == null || !CURRENCY.matcher(currency).matches()) {
            errors.add(new FieldError("currency", "must be an uppercase ISO 4217 code"));
        } else if (!config.currencyAllowed(currency)) {
            errors.add(new FieldError("currency", "is not accepted; accepted: " + config.currencyLimits().keySet()));
        }
        if (command.amount() <= 0) {
            errors.add(new FieldError("amount", "must be a positive integer in minor units"));
        } else if (currency != null && config.currencyAllowed(currency) && command.amount() > config.maxAmount(currency)) {
            errors.add(new FieldError("amount", "exceeds the maximum " + config.maxAmount(currency) + " for " + currency));
        }
        String method = command.paymentMethod();
        if (method == null || method.isEmpty()) {
            errors.add(new FieldError("paymentMethod", "is required"));
        } else if (PanDetector.containsPan(method)) {
            errors.add(new FieldError("paymentMethod", "looks like a card number; send a payment-method token"));
        } else if (!TOKEN.matcher(method).matches()) {
            errors.add(new FieldError("paymentMethod", "must be a payment-method token such as tok_…"));
        }
        if (command.description() != null) {
            if (command.description().length() > MAX_DESCRIPTION) {
                errors.add(new FieldError("description", "must be at most " + MAX_DESCRIPTION + " characters"));
            }
            if (PanDetector.containsPan(command.description())) {
                errors.add(new FieldError("description", "must not contain a card number"));
            }
            if (hasControlCharacters(command.description())) {
                errors.add(new FieldError("description", "must not contain control characters"));
            }
        }
        validateMetadata(command.metadata(), errors);
        if (!errors.isEmpty()) {
            throw new ValidationException(errors);
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
            if (key.isEmpty() || key.length() > MAX_METADATA_KEY || hasControlCharacters(key)) {
                errors.add(new FieldError("metadata", "keys must be 1-" + MAX_METADATA_KEY + " printable characters"));
            } else if (value == null || value.length() > MAX_METADATA_VALUE || hasControlCharacters(value)) {
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

    static boolean hasControlCharacters(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }

    /** What is stored and shown instead of the token: its type prefix and last four characters. */
    public static String mask(String paymentMethod) {
        int underscore = paymentMethod.indexOf('_');
        String prefix = underscore > 0 ? paymentMethod.substring(0, underscore + 1) : "";
        String last4 = paymentMethod.length() > 4 ? paymentMethod.substring(paymentMethod.length() - 4) : "";
        return prefix + "…" + last4;
    }
}
