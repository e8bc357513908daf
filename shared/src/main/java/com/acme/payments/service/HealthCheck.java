package com.acme.payments.service;

import com.acme.payments.port.ActiveRegion;
import com.acme.payments.port.ActiveRegionSource;
import com.acme.payments.port.HealthProbe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * What {@code GET /health} reports: every probe and a fresh read of the active-region record, run in parallel
 * and cut off at a fixed budget, so health answers in about a second even when every dependency hangs. A
 * probe still running at the deadline counts as unreachable ({@code timeout}).
 *
 * <p>Healthy means: every probe answered, and the active-region record is readable and exists. A region that is
 * standby, or fenced for the moment of a failover, is healthy (it serves reads); the report says which region
 * is active and whether this one takes writes.
 */
public final class HealthCheck {
    /** Fence states, as reported. */
    public enum FenceState { ACTIVE, STANDBY, FENCED, MISSING, UNREADABLE }

    /** One dependency's answer; {@code failure} is a failure kind (exception type or "timeout"), never a message. */
    public record ProbeResult(boolean reachable, long millis, String failure) { }

    /** The fence as this region sees it right now. */
    public record FenceView(FenceState state, Optional<ActiveRegion> record) { }

    public record Report(boolean healthy, String region, Map<String, ProbeResult> probes, FenceView fence) {
        public boolean writable() {
            return fence.state() == FenceState.ACTIVE;
        }
    }

    private final List<HealthProbe> probes;
    private final ActiveRegionSource activeRegion;
    private final String region;
    private final Duration budget;
    private final Executor executor;
    private final LongSupplier nanoTime;

    /**
     * @param activeRegion a source built on the same fast client as the probes (no retries, short timeouts)
     * @param executor     runs each probe on its own thread (virtual threads in production)
     */
    public HealthCheck(List<HealthProbe> probes, ActiveRegionSource activeRegion, String region, Duration budget,
                       Executor executor, LongSupplier nanoTime) {
        this.probes = List.copyOf(probes);
        this.activeRegion = activeRegion;
        this.region = region;
        this.budget = budget;
        this.executor = executor;
        this.nanoTime = nanoTime;
    }

    public Report run() {
        long start = nanoTime.getAsLong();
        long deadline = start + budget.toNanos();
        List<CompletableFuture<Long>> running = new ArrayList<>();
        for (HealthProbe probe : probes) {
            running.add(CompletableFuture.supplyAsync(() -> timed(probe::check), executor));
        }
        CompletableFuture<Optional<ActiveRegion>> fenceRead = CompletableFuture.supplyAsync(activeRegion::read,
                executor);

        Map<String, ProbeResult> results = new LinkedHashMap<>();
        boolean healthy = true;
        for (int i = 0; i < probes.size(); i++) {
            ProbeResult r = await(running.get(i), deadline);
            results.put(probes.get(i).name(), r);
            healthy &= r.reachable();
        }
        FenceView fence;
        try {
            Optional<ActiveRegion> record = fenceRead.get(remaining(deadline), TimeUnit.NANOSECONDS);
            fence = new FenceView(stateOf(record), record);
        } catch (TimeoutException | ExecutionException e) {
            fenceRead.cancel(true);
            fence = new FenceView(FenceState.UNREADABLE, Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fence = new FenceView(FenceState.UNREADABLE, Optional.empty());
        }
        healthy &= fence.state() != FenceState.MISSING && fence.state() != FenceState.UNREADABLE;
        return new Report(healthy, region, results, fence);
    }

    private FenceState stateOf(Optional<ActiveRegion> record) {
        if (record.isEmpty()) {
            return FenceState.MISSING;
        }
        if (record.get().region() == null) {
            return FenceState.FENCED;
        }
        return record.get().isActive(region) ? FenceState.ACTIVE : FenceState.STANDBY;
    }

    private long timed(Runnable check) {
        long t0 = nanoTime.getAsLong();
        check.run();
        return (nanoTime.getAsLong() - t0) / 1_000_000;
    }

    private ProbeResult await(CompletableFuture<Long> probe, long deadline) {
        try {
            return new ProbeResult(true, probe.get(remaining(deadline), TimeUnit.NANOSECONDS), null);
        } catch (TimeoutException e) {
            probe.cancel(true);
            return new ProbeResult(false, budget.toMillis(), "timeout");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new ProbeResult(false, elapsedMillis(deadline), cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProbeResult(false, elapsedMillis(deadline), "interrupted");
        }
    }

    private long remaining(long deadline) {
        return Math.max(0, deadline - nanoTime.getAsLong());
    }

    private long elapsedMillis(long deadline) {
        return Math.max(0, (nanoTime.getAsLong() - (deadline - budget.toNanos())) / 1_000_000);
    }
}
