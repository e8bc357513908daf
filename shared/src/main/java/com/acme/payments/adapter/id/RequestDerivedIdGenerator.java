package com.acme.payments.adapter.id;

import com.acme.payments.domain.PanDetector;
import com.acme.payments.port.IdGenerator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Ids derived from the request that creates them: the merchant, its Idempotency-Key and the request fingerprint
 * (method, path, canonical body). The same request therefore names the same payment, refund or attempt in every
 * region and on every retry.
 *
 * <p>Why not random ids: the processor is idempotent per key, and our processor keys are built from these ids
 * ({@code <paymentId>:authorize}, {@code <attemptId>:capture}, {@code <refundId>:refund}). After an emergency
 * failover, a request whose idempotency claim had not replicated out of the lost region before it went down is
 * executed again in the new region. With a derived id it sends the processor the same key, so the processor answers
 * with the first outcome and moves no money a second time; and when the lost region's copy of the payment
 * replicates later, it lands on the same item instead of becoming a second payment. A random id would charge the
 * card twice.
 *
 * <p>Format: {@code pay_} / {@code re_} / {@code att_} + a UUID (version 8, RFC 9562 "custom") made of 122 bits
 * of SHA-256. Deterministic and stateless, so nothing about it can leak across SnapStart restores. An id whose
 * digits would read as a card number to {@link PanDetector} is re-derived with the next counter value (also
 * deterministic), because a problem's {@code instance} must never look like a PAN.
 */
public final class RequestDerivedIdGenerator implements IdGenerator {
    private static final String SCHEME = "payments-request-id-v1";

    @Override
    public String paymentId(RequestScope request) {
        return derive("pay_", request);
    }

    @Override
    public String refundId(RequestScope request) {
        return derive("re_", request);
    }

    @Override
    public String attemptId(RequestScope request) {
        return derive("att_", request);
    }

    private static String derive(String prefix, RequestScope request) {
        for (int counter = 0; ; counter++) {
            String id = prefix + uuid(prefix, request, counter);
            if (!PanDetector.containsPan(id)) {
                return id;
            }
        }
    }

    private static UUID uuid(String prefix, RequestScope request, int counter) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
        // Length-prefixed fields: ("ab","c") and ("a","bc") must not collide.
        for (String part : new String[] {SCHEME, prefix, request.merchantId(), request.idempotencyKey(),
                request.fingerprint(), Integer.toString(counter)}) {
            byte[] bytes = String.valueOf(part).getBytes(StandardCharsets.UTF_8);
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
