package com.acme.payments.port;

import com.acme.payments.domain.DependencyException;

import java.time.Instant;
import java.util.Map;

/**
 * Records of idempotent requests, scoped per merchant. A claim is atomic: of many concurrent requests with the
 * same key exactly one gets {@link Claim.Acquired}.
 *
 * @throws DependencyException from every method when the backing store fails
 */
public interface IdempotencyStore {

    /**
     * Claims {@code key} for a request with {@code fingerprint}.
     *
     * @param resourceId the id the request will create if it is the first (a payment or refund id). When an
     *                   abandoned claim is taken over, the original id is returned instead so the work resumes on
     *                   the same resource.
     * @param lockUntil  until when the claim blocks concurrent requests (after that a crashed first request's
     *                   claim may be taken over by a retry with the same fingerprint)
     * @param expiresAt  when the record may be forgotten (DynamoDB TTL)
     */
    Claim claim(String merchantId, String key, String fingerprint, String resourceId, Instant now,
                Instant lockUntil, Instant expiresAt);

    /** Stores the final response so that replays get it verbatim. */
    void complete(String merchantId, String key, StoredResponse response);

    /** Forgets an unfinished claim so the client may retry with the same key (used when nothing was done). */
    void release(String merchantId, String key);

    /** The outcome of {@link #claim}. */
    sealed interface Claim {
        /** This request owns the key; {@code resourceId} is the id to use. */
        record Acquired(String resourceId, boolean takeover) implements Claim { }

        /** The key was completed before: answer with the stored response. */
        record Replay(StoredResponse response) implements Claim { }

        /** The first request with this key is still running. */
        record InFlight() implements Claim { }

        /** The key was used for a different request. */
        record Mismatch() implements Claim { }
    }

    /** An HTTP answer as it was first sent. */
    record StoredResponse(int statusCode, String body, Map<String, String> headers) {
        public StoredResponse {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }
    }
}
