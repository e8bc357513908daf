package com.acme.payments.function;

import com.acme.payments.api.json.JsonObject;
import com.acme.payments.port.ActiveRegion;
import com.acme.payments.service.HealthCheck;

import java.util.Locale;

/**
 * The body of {@code GET /health} (schema {@code Health} in api/openapi.yaml): region, role, version, which
 * region takes writes, and each dependency's reachability. No configuration values, no secrets, no messages.
 */
public final class HealthResponse {
    private HealthResponse() {
    }

    public static JsonObject json(HealthCheck.Report report, String regionRole, String version) {
        JsonObject n = new JsonObject();
        n.put("status", report.healthy() ? "ok" : "degraded");
        n.put("region", report.region());
        n.put("regionRole", regionRole);
        n.put("version", version);
        HealthCheck.FenceView fence = report.fence();
        n.put("activeRegion", fence.record().map(ActiveRegion::region).orElse(null));
        n.put("writable", report.writable());
        JsonObject f = n.putObject("fence").put("state", fence.state().name().toLowerCase(Locale.ROOT));
        fence.record().ifPresent(r -> {
            f.put("epoch", r.epoch());
            f.put("changedAt", r.changedAt().toString());
            if (r.nextRegion() != null) {
                f.put("nextRegion", r.nextRegion());
            }
        });
        report.probes().forEach((name, r) -> {
            JsonObject p = n.putObject(name).put("reachable", r.reachable()).put("latencyMs", r.millis());
            if (r.failure() != null) {
                p.put("failure", r.failure());
            }
        });
        return n;
    }
}
