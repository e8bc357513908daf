package com.acme.payments.simulation;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.IdempotencyStore;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Idempotency records with the exact decisions of {@code DynamoDbIdempotencyStore} (a conditional put, then a
 * consistent read of the existing record, then a conditional take-over) and the table's failure modes, including
 * a claim whose put committed but whose answer was lost: the SDK's retry then finds our own record and the
 * request is told the key is in flight.
 */
final class SimIdempotencyStore implements IdempotencyStore {
    static final class Record {
        final String fingerprint;
        final String resourceId;
        String owner;
        long lockedUntil;
        long expiresAt;
        String outcome;

        Record(String fingerprint, String resourceId, String owner, long lockedUntil, long expiresAt) {
            this.fingerprint = fingerprint;
            this.resourceId = resourceId;
            this.owner = owner;
            this.lockedUntil = lockedUntil;
            this.expiresAt = expiresAt;
        }
    }

    private final Sim sim;
    final Map<String, Record> records = new LinkedHashMap<>();
    /** Every resource id ever handed out for a key: a key must only ever work on one. */
    final Map<String, java.util.Set<String>> resourcesByKey = new LinkedHashMap<>();
    int lostAnswers;

    SimIdempotencyStore(Sim sim) {
        this.sim = sim;
    }

    @Override
    public Claim claim(String scope, String key, String fingerprint, String resourceId, String owner, Instant now,
                       Instant lockUntil, Instant expiresAt) {
        sim.step();
        failBeforeCommit();
        String id = scope + "#" + key;
        Record existing = records.get(id);
        if (existing == null || existing.expiresAt < now.getEpochSecond() && existing.outcome != null) {
            records.put(id, new Record(fingerprint, resourceId, owner, lockUntil.getEpochSecond(),
                    expiresAt.getEpochSecond()));
            if (sim.fault(0.03)) {
                lostAnswers++;
                // The SDK retries the put; its condition now fails on our own record, and the adapter reads it.
                return existing(records.get(id), fingerprint, owner, now, lockUntil, expiresAt, key);
            }
            handOut(key, resourceId);
            return new Claim.Acquired(resourceId, false);
        }
        return existing(existing, fingerprint, owner, now, lockUntil, expiresAt, key);
    }

    private Claim existing(Record existing, String fingerprint, String owner, Instant now, Instant lockUntil,
                           Instant expiresAt, String key) {
        sim.step();
        if (!existing.fingerprint.equals(fingerprint)) {
            return new Claim.Mismatch();
        }
        if (existing.outcome != null) {
            return new Claim.Replay(existing.outcome);
        }
        if (owner.equals(existing.owner)) {
            handOut(key, existing.resourceId);
            return new Claim.Acquired(existing.resourceId, false);
        }
        if (existing.lockedUntil >= now.getEpochSecond()) {
            return new Claim.InFlight();
        }
        existing.lockedUntil = lockUntil.getEpochSecond();
        existing.owner = owner;
        existing.expiresAt = expiresAt.getEpochSecond();
        handOut(key, existing.resourceId);
        return new Claim.Acquired(existing.resourceId, true);
    }

    private void handOut(String key, String resourceId) {
        resourcesByKey.computeIfAbsent(key, k -> new java.util.LinkedHashSet<>()).add(resourceId);
    }

    @Override
    public boolean complete(String scope, String key, String owner, String outcome) {
        sim.step();
        failBeforeCommit();
        Record r = records.get(scope + "#" + key);
        if (r == null || !owner.equals(r.owner)) {
            return false;
        }
        if (r.outcome != null) {
            return true; // our own earlier write, found by the SDK's retry
        }
        r.outcome = outcome;
        loseAnswerAfterCommit();
        return true;
    }

    @Override
    public void release(String scope, String key, String owner) {
        sim.step();
        failBeforeCommit();
        Record r = records.get(scope + "#" + key);
        if (r != null && r.outcome == null && owner.equals(r.owner)) {
            records.remove(scope + "#" + key);
        }
        loseAnswerAfterCommit();
    }

    @Override
    public void unlock(String scope, String key, String owner, Instant now) {
        sim.step();
        failBeforeCommit();
        Record r = records.get(scope + "#" + key);
        if (r != null && r.outcome == null && owner.equals(r.owner)) {
            r.lockedUntil = now.getEpochSecond() - 1;
            if (sim.fault(0.05)) {
                // The answer is lost and the SDK re-sends the write later: by then another request may own the
                // claim, and the owner condition must keep the stale write from unlocking it.
                lostAnswers++;
                String stale = owner;
                sim.onTick(() -> {
                    Record later = records.get(scope + "#" + key);
                    if (later != null && later.outcome == null && stale.equals(later.owner)) {
                        later.lockedUntil = sim.clock.instant().getEpochSecond() - 1;
                    }
                });
                throw new DependencyException("simulated lost answer after commit", true, null);
            }
        }
        loseAnswerAfterCommit();
    }

    private void failBeforeCommit() {
        if (sim.fault(0.02)) {
            throw new DependencyException("simulated idempotency store failure", true, null);
        }
    }

    private void loseAnswerAfterCommit() {
        if (sim.fault(0.02)) {
            lostAnswers++;
            throw new DependencyException("simulated lost answer after commit", true, null);
        }
    }
}
