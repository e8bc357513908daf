package com.acme.payments.adapter.dynamodb;

/** Key layout of the single payments table (docs/architecture.md). */
final class TableKeys {
    static final String PK = "pk";
    static final String SK = "sk";
    static final String GSI1_PK = "gsi1pk";
    static final String GSI1_SK = "gsi1sk";
    static final String MERCHANT_INDEX = "merchant-created-index";
    static final String EXPIRES_AT = "expiresAt";
    static final String PAYMENT_SK = "PAYMENT";
    static final String IDEMPOTENCY_SK = "IDEMPOTENCY";

    private TableKeys() {
    }

    static String paymentPk(String paymentId) {
        return "PAYMENT#" + paymentId;
    }

    static String merchantPk(String merchantId) {
        return "MERCHANT#" + merchantId;
    }

    static String idempotencyPk(String merchantId, String key) {
        return "IDEMPOTENCY#" + merchantId + "#" + key;
    }
}
