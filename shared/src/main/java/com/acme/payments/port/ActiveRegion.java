package com.acme.payments.port;

import java.time.Instant;

/**
 * The record of which region takes writes, written only by {@code scripts/failover.sh} and the deploy's
 * {@code active-region} step (docs/deploy.md). Exactly one region is active, or none for the moment a failover
 * fences the old region before it promotes the new one.
 *
 * @param region     the region that takes writes, or null while a failover holds every region fenced
 * @param epoch      increases by one with every change; the failover compares it before it writes, and the
 *                   higher epoch wins wherever two views meet
 * @param changedAt  when the failover wrote this record (the wait for stale views counts from it)
 * @param nextRegion while fenced: the region being promoted (null otherwise), so a refusal can say where to go
 */
public record ActiveRegion(String region, long epoch, Instant changedAt, String nextRegion) {

    /** Whether {@code candidate} may write under this record. */
    public boolean isActive(String candidate) {
        return region != null && region.equals(candidate);
    }
}
