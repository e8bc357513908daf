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

    private record Entry(String fingerprint, String resourceId, String owner, Instant lockedUntil, Instant expiresAt,
                         String outcome) {
        boolean completed() {
            return outcome != null;
        }
    }

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

    @Override
    public Claim claim(String merchantId, String key, String fingerprint, String resourceId, String owner,
                       Instant now, Instant lockUntil, Instant expiresAt) {
        Claim[] outcome = new Claim[1];
        entries.compute(new Key(merchantId, key), (k, existing) -> {
            if (existing == null || existing.expiresAt().isBefore(now) && existing.outcome() != null) {
                outcome[0] = new Claim.Acquired(resourceId, false);
                return new Entry(fingerprint, resourceId, owner, lockUntil, expiresAt, null);
            }
            if (!existing.fingerprint().equals(fingerprint)) {
                outcome[0] = new Claim.Mismatch();
                return existing;
            }
            if (existing.completed()) {
                outcome[0] = new Claim.Replay(existing.outcome());
                return existing;
            }
            if (existing.owner().equals(owner)) {
                // Our own claim (the adapter's SDK retry of a put whose answer was lost finds it the same way).
                outcome[0] = new Claim.Acquired(existing.resourceId(), false);
                return existing;
            }
            if (!now.isAfter(existing.lockedUntil())) {
                outcome[0] = new Claim.InFlight();
                return existing;
            }
            outcome[0] = new Claim.Acquired(existing.resourceId(), true);
            return new Entry(existing.fingerprint(), existing.resourceId(), owner, lockUntil, expiresAt, null);
        });
        return outcome[0];
    }

    /** Completes the claim if {@code owner} still holds it (the adapter's condition), else stores nothing. */
    @Override
    public boolean complete(String merchantId, String key, String owner, String outcome) {
        boolean[] stored = new boolean[1];
        entries.computeIfPresent(new Key(merchantId, key), (k, e) -> {
            if (e.completed() || !e.owner().equals(owner)) {
                stored[0] = e.completed() && e.owner().equals(owner);
                return e;
            }
            stored[0] = true;
            return new Entry(e.fingerprint(), e.resourceId(), owner, e.lockedUntil(), e.expiresAt(), outcome);
        });
        return stored[0];
    }

    /** Forgets an unfinished claim of {@code owner}; anything else is kept (the adapter's delete is conditional). */
    @Override
    public void release(String merchantId, String key, String owner) {
        entries.computeIfPresent(new Key(merchantId, key), (k, e) -> e.completed() || !e.owner().equals(owner) ? e : null);
    }

    /** Keeps an unfinished claim of {@code owner} but lets the next claim with the same fingerprint take it over. */
    @Override
    public void unlock(String merchantId, String key, String owner, Instant now) {
        entries.computeIfPresent(new Key(merchantId, key), (k, e) -> e.completed() || !e.owner().equals(owner) ? e
                : new Entry(e.fingerprint(), e.resourceId(), owner, now.minusSeconds(1), e.expiresAt(), null));
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
