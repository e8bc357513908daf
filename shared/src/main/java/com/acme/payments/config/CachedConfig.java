package com.acme.payments.config;


import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Configuration cached for a TTL. When the source fails after a successful load, the cached value keeps serving
 * until its TTL runs out; after that every call fails closed with {@link ConfigException} (HTTP 503) until the
 * source answers again. Thread-safe.
 */
public final class CachedConfig implements Supplier<AppConfig> {
    private final ConfigSource source;
    private final Duration ttl;
    private final Clock clock;
    private volatile Snapshot snapshot;

    private record Snapshot(AppConfig config, Instant loadedAt) { }

    public CachedConfig(ConfigSource source, Duration ttl, Clock clock) {
        this.source = source;
        this.ttl = ttl;
        this.clock = clock;
    }

    /**
     * @throws ConfigException when there is no fresh value and the source fails
     */
    @Override
    public AppConfig get() {
        Snapshot current = snapshot;
        Instant now = clock.instant();
        if (current != null && now.isBefore(current.loadedAt().plus(ttl))) {
            return current.config();
        }
        synchronized (this) {
            current = snapshot;
            if (current != null && now.isBefore(current.loadedAt().plus(ttl))) {
                return current.config();
            }
            AppConfig loaded = source.load();
            snapshot = new Snapshot(loaded, clock.instant());
            return loaded;
        }
    }

    /** Drops the cached value; the next {@link #get()} reloads. Called after a SnapStart restore. */
    public void invalidate() {
        snapshot = null;
    }

    /** Whether a value is cached and fresh, without touching the source. */
    public boolean isFresh() {
        Snapshot current = snapshot;
        return current != null && clock.instant().isBefore(current.loadedAt().plus(ttl));
    }
}
