package com.acme.payments.testsupport;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.IdempotencyStore;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link IdempotencyStore} in memory, mirroring {@code DynamoDbIdempotencyStore} decision for decision:
 * <ul>
 *   <li>a new key, or one whose completed record has expired ({@code expiresAt} before now), is acquired; an
 *       unfinished record is never overwritten, and a takeover pushes its expiry back;</li>
 *   <li>otherwise a different fingerprint is a mismatch, a completed record a replay, a record whose lock has not
 *       passed ({@code now <= lockedUntil}) is in flight;</li>
 *   <li>an unfinished record whose lock has passed is taken over: the lock is extended and the ORIGINAL resource id
 *       is returned, so the retry resumes the half-done payment instead of creating a second one;</li>
 *   <li>{@link #unlock} moves an unfinished record's lock one second into the past (the adapter's
 *       {@code lockedUntil = now - 1}), so the next claim takes it over at once; a completed record is left alone.</li>
 * </ul>
 * The outcome is opaque text, as in the port; what it encodes is the caller's business.
 * Each claim is a single {@link ConcurrentHashMap#compute}, so of many concurrent claims exactly one acquires.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private record Key(String merchantId, String key) { }

    private record Entry(String fingerprint, String resourceId, Instant lockedUntil, Instant expiresAt,
                         String outcome) {
        boolean completed() {
            return outcome != null;
        }
    }

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

    @Override
    public Claim claim(String merchantId, String key, String fingerprint, String resourceId, Instant now,
                       Instant lockUntil, Instant expiresAt) {
        Claim[] outcome = new Claim[1];
        entries.compute(new Key(merchantId, key), (k, existing) -> {
            if (existing == null || existing.expiresAt().isBefore(now) && existing.outcome() != null) {
                outcome[0] = new Claim.Acquired(resourceId, false);
                return new Entry(fingerprint, resourceId, lockUntil, expiresAt, null);
            }
            if (!existing.fingerprint().equals(fingerprint)) {
                outcome[0] = new Claim.Mismatch();
                return existing;
            }
            if (existing.completed()) {
                outcome[0] = new Claim.Replay(existing.outcome());
                return existing;
            }
            if (!now.isAfter(existing.lockedUntil())) {
                outcome[0] = new Claim.InFlight();
                return existing;
            }
            outcome[0] = new Claim.Acquired(existing.resourceId(), true);
            return new Entry(existing.fingerprint(), existing.resourceId(), lockUntil, expiresAt, null);
        });
        return outcome[0];
    }

    /**
     * @throws DependencyException (not retryable) when there is no record, as the DynamoDB adapter does when its
     *                             {@code attribute_exists} condition fails
     */
    @Override
    public void complete(String merchantId, String key, String outcome) {
        Entry updated = entries.computeIfPresent(new Key(merchantId, key), (k, e) ->
                new Entry(e.fingerprint(), e.resourceId(), e.lockedUntil(), e.expiresAt(), outcome));
        if (updated == null) {
            throw new DependencyException("no idempotency record to complete", false, null);
        }
    }

    /** Forgets an unfinished claim; a completed record is kept (the adapter's delete is conditional on it too). */
    @Override
    public void release(String merchantId, String key) {
        entries.computeIfPresent(new Key(merchantId, key), (k, e) -> e.completed() ? e : null);
    }

    /** Keeps an unfinished claim but lets the next claim with the same fingerprint take it over at once. */
    @Override
    public void unlock(String merchantId, String key, Instant now) {
        entries.computeIfPresent(new Key(merchantId, key), (k, e) -> e.completed() ? e
                : new Entry(e.fingerprint(), e.resourceId(), now.minusSeconds(1), e.expiresAt(), null));
    }

    /** Whether a record (finished or not) exists for the key. */
    public boolean holds(String merchantId, String key) {
        return entries.containsKey(new Key(merchantId, key));
    }

    /** The stored outcome, if the key was completed. */
    public Optional<String> storedOutcome(String merchantId, String key) {
        return Optional.ofNullable(entries.get(new Key(merchantId, key))).map(Entry::outcome);
    }

    /** Whether the key has an unfinished claim whose lock has not passed at {@code now} (a retry would get 409). */
    public boolean lockedAt(String merchantId, String key, Instant now) {
        Entry e = entries.get(new Key(merchantId, key));
        return e != null && !e.completed() && !now.isAfter(e.lockedUntil());
    }
}
