package com.acme.payments.testsupport;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.ActiveRegion;
import com.acme.payments.port.ActiveRegionSource;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** The active-region record in memory, with a switch to make reads fail and a count of reads. */
public final class InMemoryActiveRegionSource implements ActiveRegionSource {
    private volatile ActiveRegion record;
    private volatile boolean failing;
    private final AtomicInteger reads = new AtomicInteger();
    private volatile Runnable beforeRead = () -> { };

    /** Starts with {@code activeRegion} active at epoch 1 (null: no record at all). */
    public InMemoryActiveRegionSource(String activeRegion) {
        this.record = activeRegion == null ? null
                : new ActiveRegion(activeRegion, 1, Instant.parse("2026-01-01T00:00:00Z"), null);
    }

    /** Makes {@code region} active (null: fenced, nobody writes) with the next epoch. */
    public void set(String region, String nextRegion) {
        long epoch = record == null ? 1 : record.epoch() + 1;
        record = new ActiveRegion(region, epoch, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(epoch),
                nextRegion);
    }

    /** Deletes the record: no region writes. */
    public void remove() {
        record = null;
    }

    public void failing(boolean failing) {
        this.failing = failing;
    }

    /** Runs {@code action} inside every read before it answers (a slow or hanging store). */
    public void beforeEachRead(Runnable action) {
        this.beforeRead = action;
    }

    public int reads() {
        return reads.get();
    }

    @Override
    public Optional<ActiveRegion> read() {
        reads.incrementAndGet();
        beforeRead.run();
        if (failing) {
            throw new DependencyException("store unreachable (test)", true, null);
        }
        return Optional.ofNullable(record);
    }
}
