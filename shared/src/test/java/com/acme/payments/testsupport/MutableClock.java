package com.acme.payments.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until a test moves it, so time-dependent rules (idempotency locks, config TTL,
 * reconciliation grace) are tested at exact boundaries instead of with sleeps. Thread-safe; clocks derived with
 * {@link #withZone} share the same time.
 */
public final class MutableClock extends Clock {
    /** A fixed, whole-second start so that timestamps in assertions are readable. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-05T10:15:30Z");

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    public MutableClock() {
        this(DEFAULT_START);
    }

    public MutableClock(Instant start) {
        this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
    }

    private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /**
     * Moves time forward and returns the new instant.
     *
     * @throws IllegalArgumentException for a negative duration: production code may assume time does not run
     *                                  backwards, so a test doing that by accident would test nothing real
     */
    public Instant advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a clock does not run backwards: " + duration);
        }
        return now.updateAndGet(t -> t.plus(duration));
    }

    /** Jumps to {@code instant} (in either direction, for tests that model clock skew deliberately). */
    public void set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant"));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return new MutableClock(now, newZone);
    }

    @Override
    public String toString() {
        return "MutableClock[" + now.get() + "]";
    }
}
