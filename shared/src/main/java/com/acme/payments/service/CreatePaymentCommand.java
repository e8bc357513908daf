package com.acme.payments.service;

import java.util.Map;

/**
 * A create request after JSON parsing. {@code paymentMethod} is the client's token; {@link #toString()} hides it.
 */
public record CreatePaymentCommand(long amount, String currency, String paymentMethod, String description,
                                   Map<String, String> metadata, boolean capture) {
    public CreatePaymentCommand {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    @Override
    public String toString() {
        return "CreatePaymentCommand[amount=" + amount + ", currency=" + currency + ", capture=" + capture + "]";
    }
}
