package com.acme.payments.function;

import com.acme.payments.api.ApiRequest;
import com.acme.payments.logging.StructuredLog;
import org.crac.Context;
import org.crac.Resource;

import java.util.Map;

/**
 * SnapStart hooks. Before the snapshot: warm the code paths of a request with non-mutating work only (a read of
 * a payment that cannot exist, a health read, a config read, JSON parsing and validation of a sample body).
 * After restore: drop cached configuration and the cached active-region view so nothing read before the
 * snapshot (config, which region is active) is trusted by restored environments. Ids derive from requests, so
 * there is no generator state to drop.
 */
public final class SnapStartPriming implements Resource {
    private static final StructuredLog LOG = StructuredLog.get(SnapStartPriming.class);
    static final String PRIMING_MERCHANT = "snapstart-priming";
    static final String ABSENT_PAYMENT = "/payments/pay_00000000-0000-7000-8000-000000000000";

    private final FunctionWiring wiring;

    SnapStartPriming(FunctionWiring wiring) {
        this.wiring = wiring;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        wiring.config.invalidate();
        // The view primed before the snapshot is older than any staleness bound (issue 12).
        wiring.fence.invalidate();
    }

    /** Idempotent and side-effect free: reads only. Failures are logged, never thrown (priming is best effort). */
    public void prime() {
        try {
            Map<String, String> claims = Map.of("merchant_id", PRIMING_MERCHANT);
            wiring.api.handle(new ApiRequest("GET", ABSENT_PAYMENT, Map.of(), Map.of(), null, claims, "priming"));
            wiring.api.handle(new ApiRequest("GET", "/health", Map.of(), Map.of(), null, Map.of(), "priming"));
            var body = wiring.json.parseObject("{\"amount\":1000,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa4242\","
                    + "\"description\":\"priming\",\"metadata\":{\"k\":\"v\"},\"capture\":false}", false);
            wiring.json.createCommand(body);
            wiring.json.canonical(body);
        } catch (RuntimeException e) {
            LOG.warn("priming incomplete", "errorType", e.getClass().getSimpleName());
        } finally {
            wiring.config.invalidate();
            wiring.fence.invalidate();
        }
    }
}
