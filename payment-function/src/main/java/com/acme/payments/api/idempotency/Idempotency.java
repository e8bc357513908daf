package com.acme.payments.api.idempotency;

import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.IdempotencyStore;
import com.acme.payments.port.IdempotencyStore.Claim;

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
 * The Idempotency-Key decorator around every write route (IETF draft / Stripe semantics): the first request
 * runs, a retry gets the stored answer ({@code Idempotent-Replayed: true}), a different request with the same key
 * gets 422, a concurrent one 409. What happens to the key after an answer is {@link Retention}'s one table.
 *
 * <p>A request that finds an unfinished claim whose lock has passed takes it over and gets the original resource
 * id, so the work resumes on the same payment, refund or attempt instead of starting again.
 */
public final class Idempotency {
    /** Longer than the function timeout, so a live first request is never taken over. */
    public static final Duration LOCK = Duration.ofSeconds(60);
    /** Stripe keeps keys for at least 24 hours. */
    public static final Duration RETENTION = Duration.ofHours(24);
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_\\-:.]{8,255}");

    private final IdempotencyStore store;
    private final Clock clock;
    private final Duration lock;

    /** @param lock how long a claim blocks others; must exceed the function timeout in production */
    public Idempotency(IdempotencyStore store, Clock clock, Duration lock) {
        this.store = store;
        this.clock = clock;
        this.lock = lock;
    }

    /**
     * Runs {@code work} at most once per Idempotency-Key and merchant.
     *
     * @param canonicalBody the request body in canonical form (same request, same text)
     * @param newResourceId makes the id the request works on if it is the first
     * @param work          the route itself, given the resource id to use
     * @param errors        maps an exception thrown by the work to its HTTP answer (the key's fate depends on it)
     * @throws IdempotencyException for a missing/invalid key, a concurrent request, or a mismatched body
     */
    public ApiResponse execute(ApiRequest request, String merchantId, String canonicalBody,
                               Supplier<String> newResourceId, Function<String, ApiResponse> work,
                               Function<RuntimeException, ApiResponse> errors) {
        String key = validKey(request.header("idempotency-key"));
        String fingerprint = fingerprint(request.method(), request.path(), canonicalBody);
        Instant now = clock.instant();
        // The request's own id owns the claim: only this invocation may finish it (a late retry of one of its
        // writes cannot finish or unlock a claim another request has taken over since).
        String owner = request.requestId() != null ? request.requestId() : java.util.UUID.randomUUID().toString();
        Claim claim = store.claim(merchantId, key, fingerprint, newResourceId.get(), owner, now, now.plus(lock),
                now.plus(RETENTION));
        return switch (claim) {
            case Claim.Replay replay -> StoredAnswer.decode(replay.outcome()).withHeader(REPLAYED_HEADER, "true");
            case Claim.InFlight inFlight -> throw new IdempotencyException(IdempotencyException.Kind.IN_FLIGHT,
                    "a request with this Idempotency-Key is still being processed");
            case Claim.Mismatch mismatch -> throw new IdempotencyException(IdempotencyException.Kind.MISMATCH,
                    "this Idempotency-Key was used with a different request");
            case Claim.Acquired acquired -> run(merchantId, key, owner, acquired.resourceId(), work, errors);
        };
    }

    private ApiResponse run(String merchantId, String key, String owner, String resourceId,
                            Function<String, ApiResponse> work, Function<RuntimeException, ApiResponse> errors) {
        ApiResponse response;
        try {
            response = work.apply(resourceId);
        } catch (RuntimeException e) {
            response = errors.apply(e);
        }
        try {
            switch (Retention.of(response.status())) {
                case STORE -> {
                    if (!store.complete(merchantId, key, owner, StoredAnswer.encode(response))) {
                        // Another request took the claim over while this one ran (it outlived its lock): that
                        // request's answer is the one that will be stored, so this one is not sent.
                        return errors.apply(new IdempotencyException(IdempotencyException.Kind.IN_FLIGHT,
                                "the claim was taken over by a later request"));
                    }
                }
                case KEEP_OPEN -> store.unlock(merchantId, key, owner, clock.instant());
                case RELEASE -> store.release(merchantId, key, owner);
                case KEEP_LOCKED -> { }
            }
        } catch (DependencyException e) {
            // The answer could not be kept. Sending it anyway would let a later retry see a different one, so the
            // client gets a 503 instead; its retry resumes the work (done already) and stores the answer then.
            return errors.apply(e);
        }
        return response;
    }

    /** The key, if present and well-formed. */
    public static String validKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IdempotencyException(IdempotencyException.Kind.INVALID_KEY,
                    "the Idempotency-Key header is required on POST requests");
        }
        if (!KEY.matcher(key).matches()) {
            throw new IdempotencyException(IdempotencyException.Kind.INVALID_KEY,
                    "the Idempotency-Key must be 8-255 characters of A-Z a-z 0-9 _ - : .");
        }
        return key;
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
