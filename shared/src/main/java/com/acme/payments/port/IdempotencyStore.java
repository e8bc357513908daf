package com.acme.payments.port;

import com.acme.payments.domain.DependencyException;

import java.time.Instant;

/**
 * Records of idempotent requests, scoped per merchant. A claim is atomic: of many concurrent requests with the
 * same key exactly one gets {@link Claim.Acquired}. The store keeps an opaque outcome; what it means (an HTTP
 * answer, say) is the caller's business.
 *
 * @throws DependencyException from every method when the backing store fails
 */
public interface IdempotencyStore {

    /**
     * Claims {@code key} for a request with {@code fingerprint}.
     *
     * @param resourceId the id the request will work on if it is the first (a payment, refund or attempt id). When
     *                   an unfinished claim is taken over, the original id is returned instead so the work resumes
     *                   on the same resource.
     * @param owner      who holds the claim if it is acquired (the request's own id); only the owner may finish it
     * @param lockUntil  until when the claim blocks concurrent requests (after that a retry with the same
     *                   fingerprint may take the unfinished claim over)
     * @param expiresAt  when the record may be forgotten (DynamoDB TTL)
     */
    Claim claim(String scope, String key, String fingerprint, String resourceId, String owner, Instant now,
                Instant lockUntil, Instant expiresAt);

    /**
     * Stores the final outcome so that replays get it verbatim, if {@code owner} still holds the claim.
     *
     * @return false when another request took the claim over meanwhile (nothing is stored: its answer will be)
     */
    boolean complete(String scope, String key, String owner, String outcome);

    /**
     * Forgets an unfinished claim so the client may retry with the same key (only when nothing was done); a no-op
     * unless {@code owner} holds it.
     */
    void release(String scope, String key, String owner);

    /**
     * Keeps the unfinished claim but lets the next request with the same fingerprint take it over at once (the
     * work is waiting on someone else, and a retry should resume it rather than wait for the lock); a no-op unless
     * {@code owner} holds it, so a late retry of this write can never unlock someone else's claim.
     */
    void unlock(String scope, String key, String owner, Instant now);

    /** The outcome of {@link #claim}. */
    sealed interface Claim {
        /** This request owns the key; {@code resourceId} is the id to use. */
        record Acquired(String resourceId, boolean takeover) implements Claim { }

        /** The key was completed before: answer with the stored outcome. */
        record Replay(String outcome) implements Claim { }

        /** The first request with this key is still running. */
        record InFlight() implements Claim { }

        /** The key was used for a different request. */
        record Mismatch() implements Claim { }
    }
}
