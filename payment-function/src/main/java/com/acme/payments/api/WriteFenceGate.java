package com.acme.payments.api;

import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;
import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.PanDetector;
import com.acme.payments.logging.StructuredLog;
import com.acme.payments.port.ActiveRegion;
import com.acme.payments.service.WriteFence;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The write fence at the HTTP edge (issue 12). A write in a region that is not active is answered 503
 * {@code region-not-active}, naming the active region and its API endpoint, before anything is written. The
 * endpoint comes from the cross-region handoff parameters ({@code peer/region}, {@code peer/api-endpoint}), which
 * the deploy script writes into each region's SSM.
 */
public final class WriteFenceGate {
    private static final StructuredLog LOG = StructuredLog.get(WriteFenceGate.class);
    /** Standby: the active region can take the request now. */
    static final String RETRY_AFTER_STANDBY = "1";
    /** Fenced or unset: a failover waits out stale views (about 35 s) before it promotes the new region. */
    static final String RETRY_AFTER_FENCED = "5";

    private final WriteFence fence;
    private final Supplier<AppConfig> config;
    private final Problems problems;

    public WriteFenceGate(WriteFence fence, Supplier<AppConfig> config, JsonCodec json) {
        this.fence = fence;
        this.config = config;
        this.problems = new Problems(json);
    }

    /**
     * The refusal for a write request, or empty when this region may write.
     *
     * @throws com.acme.payments.domain.DependencyException when the fence cannot be read (the API answers 503)
     */
    Optional<ApiResponse> refusal(ApiRequest request) {
        WriteFence.Decision decision = fence.check();
        if (decision.allowed()) {
            return Optional.empty();
        }
        String here = fence.region();
        Optional<ActiveRegion> record = decision.record();
        String active = record.map(ActiveRegion::region).orElse(null);
        String next = record.map(ActiveRegion::nextRegion).orElse(null);
        String target = active != null ? active : next;
        String endpoint = target == null ? null : endpointOf(target);
        String detail;
        if (active != null) {
            detail = "Region " + here + " serves reads only. Send writes to " + active
                    + (endpoint != null ? " (" + endpoint + ")" : "") + " with the same Idempotency-Key;"
                    + " never send the same request to both regions.";
        } else if (record.isPresent()) {
            detail = "No region takes writes while a failover" + (next != null ? " to " + next : "")
                    + " completes. Retry with the same Idempotency-Key"
                    + (next != null ? " in " + next + (endpoint != null ? " (" + endpoint + ")" : "") : "")
                    + " shortly.";
        } else {
            LOG.error("no active-region record: no region takes writes until the deploy's active-region step runs",
                    null);
            detail = "No region is recorded as active for writes. Retry later.";
        }
        String retryAfter = active != null ? RETRY_AFTER_STANDBY : RETRY_AFTER_FENCED;
        // The path was routed (clean); still never echo one that reads as a card number.
        String instance = request.path() != null && !PanDetector.containsPan(request.path()) ? request.path() : null;
        return Optional.of(problems.problem(503, "region-not-active", "Region not active for writes", detail,
                instance, n -> {
                    n.put("region", here);
                    n.put("activeRegion", active);
                    if (endpoint != null) {
                        n.put("activeEndpoint", endpoint);
                    }
                    if (active == null && next != null) {
                        n.put("nextRegion", next);
                    }
                    record.ifPresent(r -> n.put("epoch", r.epoch()));
                }).withHeader("Retry-After", retryAfter));
    }

    /** For work on a read that may write (reconciliation): only when this region is active by a fresh view. */
    boolean writesAllowedNow() {
        return fence.writesAllowedNow();
    }

    private String endpointOf(String region) {
        try {
            AppConfig cfg = config.get();
            return region.equals(cfg.peer().get("region")) ? cfg.peer().get("api-endpoint") : null;
        } catch (RuntimeException e) {
            // The refusal stands without the URL; the client still learns the region.
            LOG.warn("no endpoint for the active region", "errorType", e.getClass().getSimpleName());
            return null;
        }
    }
}
