package com.acme.payments.port;

/**
 * One dependency that {@code GET /health} checks. A probe makes at most one call, with a short timeout and no
 * retries: health must answer within about a second even when the dependency is down.
 */
public interface HealthProbe {
    /** The name in the health answer, e.g. {@code table} or {@code config}. */
    String name();

    /**
     * Returns normally when the dependency answered as it should.
     *
     * @throws RuntimeException (any) when it did not; the message names the failure kind, never a value
     */
    void check();
}
