package com.acme.payments.service;

import com.acme.payments.port.IdempotencyStore;
import com.acme.payments.port.IdempotencyStore.Claim;
import com.acme.payments.port.IdempotencyStore.StoredResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Idempotency-Key semantics (IETF draft / Stripe): first request runs, replays get the stored answer, a different
 * request with the same key gets 422, a concurrent one 409.
 *
 * <p>Which answers are stored: success (2xx) and processor outcomes (402, 502) — money may have moved, so a
 * retry must see the same answer. Client errors where nothing happened (400, 404, 409 state conflicts, 413, 422)
 * release the key so the client can retry with it. A 5xx other than 502 (a dependency failed midway) keeps the
 * claim: after {@link #LOCK} a retry with the same request takes it over and resumes on the same payment or
 * refund id, so a half-done payment is finished rather than duplicated.
 */
public final class IdempotentRequests {
    /** Longer than the function timeout, so a live first request is never taken over. */
    public static final Duration LOCK = Duration.ofSeconds(60);
    /** Stripe keeps keys for at least 24 hours. */
    public static final Duration RETENTION = Duration.ofHours(24);
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_\\-:.]{8,255}");

    private final IdempotencyStore store;
    private final Clock clock;
    private final Duration lock;

    public IdempotentRequests(IdempotencyStore store, Clock clock) {
        this(store, clock, LOCK);
    }

    /** @param lock how long a claim blocks others; must exceed the function timeout in production */
    public IdempotentRequests(IdempotencyStore store, Clock clock, Duration lock) {
        this.store = store;
        this.clock = clock;
        this.lock = lock;
    }

    /** The answer and whether it is a replay of a stored one. */
    public record Outcome(StoredResponse response, boolean replayed) { }

    /**
     * @param newResourceId makes the id the request would create if it is the first (called once per request)
     * @param work          runs the request with the resource id to use; returns the HTTP answer
     * @throws IdempotencyException for a missing/invalid key, a concurrent request, or a mismatched body
     */
    public Outcome execute(String merchantId, String key, String fingerprint, Supplier<String> newResourceId,
                           Function<String, StoredResponse> work) {
        validateKey(key);
        Instant now = clock.instant();
        Claim claim = store.claim(merchantId, key, fingerprint, newResourceId.get(), now, now.plus(lock),
                now.plus(RETENTION));
        return switch (claim) {
            case Claim.Replay replay -> new Outcome(replay.response(), true);
            case Claim.InFlight inFlight -> throw new IdempotencyException(IdempotencyException.Kind.IN_FLIGHT,
                    "a request with this Idempotency-Key is still being processed");
            case Claim.Mismatch mismatch -> throw new IdempotencyException(IdempotencyException.Kind.MISMATCH,
                    "this Idempotency-Key was used with a different request");
            case Claim.Acquired acquired -> {
                StoredResponse response = work.apply(acquired.resourceId());
                if (isStored(response.statusCode())) {
                    store.complete(merchantId, key, response);
                } else if (response.statusCode() < 500) {
                    store.release(merchantId, key);
                }
                yield new Outcome(response, false);
            }
        };
    }

    static boolean isStored(int status) {
        return status < 400 || status == 402 || status == 502;
    }

    public static void validateKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IdempotencyException(IdempotencyException.Kind.INVALID_KEY,
                    "the Idempotency-Key header is required on POST requests");
        }
        if (!KEY.matcher(key).matches()) {
            throw new IdempotencyException(IdempotencyException.Kind.INVALID_KEY,
                    "the Idempotency-Key must be 8-255 characters of A-Z a-z 0-9 _ - : .");
        }
    }

    /** SHA-256 over method, path and the canonical body: the same request always has the same fingerprint. */
    public static String fingerprint(String method, String path, String canonicalBody) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(method.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(path.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(canonicalBody.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
