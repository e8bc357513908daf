package com.acme.payments.port;

/**
 * Makes the ids of what a request creates: a payment, a refund, or a capture/cancel attempt (whose processor key is
 * derived from it). Production derives them from the request itself ({@code RequestDerivedIdGenerator}), so the
 * same request names the same resource in every region and on every retry. Never called during init: nothing
 * about a request exists before the SnapStart snapshot.
 */
public interface IdGenerator {
    /**
     * What identifies one client request wherever it is sent.
     *
     * @param fingerprint SHA-256 of method, path and canonical body (the Idempotency-Key's fingerprint)
     */
    record RequestScope(String merchantId, String idempotencyKey, String fingerprint) { }

    String paymentId(RequestScope request);

    String refundId(RequestScope request);

    /** The id of one capture or cancel request (its processor key is derived from it). */
    String attemptId(RequestScope request);
}
