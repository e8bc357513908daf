package com.acme.payments.histories;

/**
 * A request that stops dead where it is thrown (a Lambda timeout, a killed execution environment): no answer, no
 * cleanup. An {@link Error}, so no {@code catch (RuntimeException)} in the code under test can turn it into an
 * answer; the idempotency claim stays exactly as the request left it.
 */
final class Crash extends Error {
    Crash(String where) {
        super("simulated crash: " + where, null, false, false);
    }
}
