package com.acme.payments.service;

/**
 * The pause between two tries of a conditional write that lost a version race. Injected so that the simulator
 * can turn a pause into a scheduling point instead of real sleep.
 */
@FunctionalInterface
public interface Backoff {
    void pause(int attempt);

    /** A small jittered sleep, so that a storm of conflicting writers spreads out. */
    static Backoff jittered() {
        return attempt -> {
            try {
                Thread.sleep(Math.min(50, 2L << attempt) + java.util.concurrent.ThreadLocalRandom.current().nextInt(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new com.acme.payments.domain.DependencyException("interrupted while retrying a write", true, e);
            }
        };
    }
}
