package com.acme.payments.adapter.ssm;

import com.acme.payments.port.HealthProbe;

import java.util.function.BooleanSupplier;

/**
 * Health: can this function get a complete configuration? A configuration the request path holds and that is
 * still within its TTL answers yes without a call (requests are served from it). Otherwise the whole path is
 * loaded and validated once through {@code source}, which must be built on a client without retries and with
 * short timeouts, so that an unreachable SSM costs health under a second instead of the SDK's retry schedule.
 */
public final class SsmConfigProbe implements HealthProbe {
    private final SsmConfigSource source;
    private final BooleanSupplier servingFromFreshCache;

    public SsmConfigProbe(SsmConfigSource source, BooleanSupplier servingFromFreshCache) {
        this.source = source;
        this.servingFromFreshCache = servingFromFreshCache;
    }

    @Override
    public String name() {
        return "config";
    }

    @Override
    public void check() {
        if (!servingFromFreshCache.getAsBoolean()) {
            source.load();
        }
    }
}
