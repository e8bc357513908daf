package com.acme.payments.service;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.ActiveRegion;
import com.acme.payments.port.ActiveRegionSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One writer at a time across regions: decides whether this region may write, from the {@link ActiveRegion}
 * record in its own region, read at most once per {@code ttl} per execution environment.
 *
 * <p><b>Staleness bound.</b> A view is cached for at most {@code ttl} (default 5 s), measured on the monotonic
 * clock from the moment the read <em>started</em>. A request that passed the check can keep writing until the
 * function timeout ends it. So after the record changes in a region's replica, that region stops writing within
 * {@code ttl + function timeout} (5 + 25 = 30 s). {@code scripts/failover.sh} reads both values from the deployed
 * function and waits longer than their sum between fencing the old region and promoting the new one.
 *
 * <p><b>Fail closed.</b> A record that cannot be read, once the cached view has expired, refuses writes (503).
 * A missing record refuses writes in every region. Reads never need this class to succeed.
 *
 * <p>Thread-safe; one instance per execution environment. {@link #invalidate()} after a SnapStart restore: a
 * view cached while priming before the snapshot is older than any bound.
 */
public final class WriteFence {
    /** Default view lifetime; {@code PAYMENTS_FENCE_TTL_SECONDS} overrides it (docs/architecture.md). */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);

    private final ActiveRegionSource source;
    private final String region;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private volatile View view;

    private final Clock wallClock;

    /** A view and when its read started, on both clocks (it expires when either says it is older than the TTL). */
    private record View(Optional<ActiveRegion> record, long readStartedNanos, Instant readStartedWall) { }

    /**
     * The outcome for one write request.
     *
     * @param allowed whether this region may write now
     * @param record  the view it was decided on (empty when no record exists)
     */
    public record Decision(boolean allowed, Optional<ActiveRegion> record) {
        /** The region that takes writes, if any. */
        public Optional<String> activeRegion() {
            return record.map(ActiveRegion::region);
        }
    }

    public WriteFence(ActiveRegionSource source, String region, Duration ttl) {
        this(source, region, ttl, System::nanoTime, Clock.systemUTC());
    }

    /** @param nanoTime a monotonic clock in nanoseconds (tests pass their own) */
    public WriteFence(ActiveRegionSource source, String region, Duration ttl, LongSupplier nanoTime) {
        this(source, region, ttl, nanoTime, Clock.systemUTC());
    }

    /**
     * @param nanoTime  a monotonic clock in nanoseconds
     * @param wallClock the wall clock, checked as well: should the monotonic clock not advance while an execution
     *                  environment is frozen between invocations, the wall clock still ages the view
     */
    public WriteFence(ActiveRegionSource source, String region, Duration ttl, LongSupplier nanoTime, Clock wallClock) {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative");
        }
        this.source = source;
        this.region = region;
        this.ttlNanos = ttl.toNanos();
        this.nanoTime = nanoTime;
        this.wallClock = wallClock;
    }

    /**
     * Decides whether a write may start here. Call it before anything of the request is written.
     *
     * @throws DependencyException when there is no fresh view and the record cannot be read (then no write)
     */
    public Decision check() {
        Optional<ActiveRegion> record = current();
        return new Decision(record.map(r -> r.isActive(region)).orElse(false), record);
    }

    /**
     * For work that may write but can also wait (reconciliation on a read): true only when this region is
     * active by a fresh view. Never throws; an unreadable record means "do not write".
     */
    public boolean writesAllowedNow() {
        try {
            return check().allowed();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * When this region became the writer, by the record's {@code changedAt} (the failover's clock); {@link
     * Instant#MAX} when it is not the writer by a fresh view, or the record cannot be read. Never throws.
     */
    public Instant writerSince() {
        try {
            Decision d = check();
            return d.allowed() ? d.record().map(ActiveRegion::changedAt).orElse(Instant.MAX) : Instant.MAX;
        } catch (RuntimeException e) {
            return Instant.MAX;
        }
    }

    /** The region this fence decides for. */
    public String region() {
        return region;
    }

    /** Forgets the cached view; the next check reads the record. */
    public void invalidate() {
        view = null;
    }

    private Optional<ActiveRegion> current() {
        View v = view;
        if (fresh(v)) {
            return v.record();
        }
        synchronized (this) {
            v = view;
            if (fresh(v)) {
                return v.record();
            }
            // Age counts from before the read: the record may change while the call is under way.
            long started = nanoTime.getAsLong();
            Instant startedWall = wallClock.instant();
            Optional<ActiveRegion> read = source.read();
            view = new View(read, started, startedWall);
            return read;
        }
    }

    private boolean fresh(View v) {
        if (v == null || nanoTime.getAsLong() - v.readStartedNanos() >= ttlNanos) {
            return false;
        }
        Duration wallAge = Duration.between(v.readStartedWall(), wallClock.instant());
        // A wall clock stepped backwards (NTP) makes the age negative: trust the monotonic clock then.
        return wallAge.isNegative() || wallAge.toNanos() < ttlNanos;
    }
}
