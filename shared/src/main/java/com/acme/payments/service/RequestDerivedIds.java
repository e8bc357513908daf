package com.acme.payments.service;

import com.acme.payments.domain.PanDetector;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Ids of the payments and refunds that a request creates, derived from the request itself: the merchant, its
 * Idempotency-Key and the request fingerprint (method, path, canonical body). The same request therefore names
 * the same payment in every region and on every retry.
 *
 * <p>Why not random ids: the processor is idempotent per key, and our processor keys are built from these ids
 * ({@code <paymentId>:authorize}, {@code <refundId>:refund}). After an emergency failover, a request whose
 * idempotency claim had not replicated out of the lost region before it went down is executed again in the new
 * region. With a derived id it sends the processor the same key, so the processor answers with the first outcome
 * and moves no money a second time; and when the lost region's copy of the payment replicates later, it lands on
 * the same item instead of becoming a second payment. A random id would charge the card twice.
 *
 * <p>Format: {@code pay_} / {@code re_} + a UUID (version 8, RFC 9562 "custom") made of 122 bits of SHA-256.
 * Deterministic and free of state, so nothing about it can leak across SnapStart restores. An id whose digits
 * would read as a card number to {@link PanDetector} is re-derived with the next counter value (also
 * deterministic), because a problem's {@code instance} must never look like a PAN.
 */
public final class RequestDerivedIds {
    private static final String SCHEME = "payments-request-id-v1";

    private RequestDerivedIds() {
    }

    public static String paymentId(String merchantId, String idempotencyKey, String fingerprint) {
        return derive("pay_", merchantId, idempotencyKey, fingerprint);
    }

    public static String refundId(String merchantId, String idempotencyKey, String fingerprint) {
        return derive("re_", merchantId, idempotencyKey, fingerprint);
    }

    private static String derive(String prefix, String merchantId, String key, String fingerprint) {
        for (int counter = 0; ; counter++) {
            String id = prefix + uuid(prefix, merchantId, key, fingerprint, counter);
            if (!PanDetector.containsPan(id)) {
                return id;
            }
        }
    }

    private static UUID uuid(String prefix, String merchantId, String key, String fingerprint, int counter) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
        // Length-prefixed fields: ("ab","c") and ("a","bc") must not collide.
        for (String part : new String[] {SCHEME, prefix, merchantId, key, fingerprint, Integer.toString(counter)}) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
            sha.update(bytes);
        }
        byte[] h = sha.digest();
        h[6] = (byte) ((h[6] & 0x0f) | 0x80); // version 8
        h[8] = (byte) ((h[8] & 0x3f) | 0x80); // RFC 9562 variant
        ByteBuffer b = ByteBuffer.wrap(h);
        return new UUID(b.getLong(), b.getLong());
    }
}
