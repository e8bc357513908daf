package com.acme.payments.function;

import com.acme.payments.logging.StructuredLog;
import com.acme.payments.service.Reconciler;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scheduled entry point (an EventBridge rule in template.yaml, every minute): settles payments whose processor
 * call has waited past the grace period, so no payment depends on a GET to settle. Same jar, same wiring as the
 * API handler; the event's content is not used.
 */
public final class ReconcilerHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Payments settled per run; a run takes at most this many lookups of a few seconds each. */
    static final int BATCH = 50;
    private static final java.time.Duration LOOKUP_MARGIN = java.time.Duration.ofSeconds(12);
    private static final StructuredLog LOG = StructuredLog.get(ReconcilerHandler.class);

    private final Reconciler reconciler;

    /** Called once per execution environment by the Lambda runtime. */
    public ReconcilerHandler() {
        this(FunctionWiring.fromEnvironment(System.getenv()).reconciler());
    }

    public ReconcilerHandler(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        StructuredLog.putContext("requestId", context == null ? null : context.getAwsRequestId());
        try {
            // Start no payment that could not finish before the invocation's timeout (a lookup takes up to 5 s).
            Reconciler.Report report = context == null ? reconciler.run(BATCH)
                    : reconciler.run(BATCH, java.time.Duration.ofMillis(context.getRemainingTimeInMillis())
                            .minus(LOOKUP_MARGIN));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("examined", report.examined());
            out.put("settled", report.settled());
            out.put("stillPending", report.stillPending());
            out.put("failed", report.failed());
            return out;
        } catch (RuntimeException e) {
            LOG.error("reconciliation run failed", e);
            throw e;
        } finally {
            StructuredLog.clearContext();
        }
    }
}
