package com.acme.payments.adapter.dynamodb;

/** Key layout of the single payments table (docs/architecture.md). */
final class TableKeys {
    static final String PK = "pk";
    static final String SK = "sk";
    static final String GSI1_PK = "gsi1pk";
    static final String GSI1_SK = "gsi1sk";
    static final String MERCHANT_INDEX = "merchant-created-index";
    /**
     * Sparse index of payments with a pending processor call: only such items carry {@link #GSI2_PK}, so the
     * background reconciler reads exactly its work list. Sort key: the oldest pending call's last send, then id.
     */
    static final String PENDING_INDEX = "pending-calls-index";
    static final String GSI2_PK = "gsi2pk";
    static final String GSI2_SK = "gsi2sk";
    static final String PENDING_PARTITION = "PENDING";
    static final String EXPIRES_AT = "expiresAt";
    static final String PAYMENT_SK = "PAYMENT";
    static final String IDEMPOTENCY_SK = "IDEMPOTENCY";
    /**
     * The active-region record (one item, replicated like every other): written by scripts/failover.sh and the
     * deploy's active-region step with the AWS CLI, which spell the same key.
     */
    static final String ACTIVE_REGION_PK = "FENCE#active-region";
    static final String ACTIVE_REGION_SK = "FENCE";
    /** A key no writer ever uses: health reads it to prove the table answers. */
    static final String HEALTH_PK = "HEALTH#probe";
    static final String HEALTH_SK = "HEALTH";

    private TableKeys() {
    }

    static String paymentPk(String paymentId) {
        return "PAYMENT#" + paymentId;
    }

    /** The payment id in a payment item's partition key. */
    static String paymentIdOf(String pk) {
        return pk.substring("PAYMENT#".length());
    }

    static String merchantPk(String merchantId) {
        return "MERCHANT#" + merchantId;
    }

    static String idempotencyPk(String merchantId, String key) {
        return "IDEMPOTENCY#" + merchantId + "#" + key;
    }
}
