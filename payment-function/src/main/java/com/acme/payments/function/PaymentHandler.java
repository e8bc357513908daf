package com.acme.payments.function;

import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;
import com.acme.payments.api.PaymentApi;
import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.logging.StructuredLog;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

/**
 * The Lambda entry point (HTTP API payload 2.0). Thin: map the event, call the API, map the answer, emit one
 * access log line and one EMF metric line.
 */
public final class PaymentHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final StructuredLog LOG = StructuredLog.get(PaymentHandler.class);

    private final PaymentApi api;
    private final Metrics metrics;
    private final SnapStartPriming priming;

    /** Called once per execution environment by the Lambda runtime (before the SnapStart snapshot). */
    public PaymentHandler() {
        this(FunctionWiring.fromEnvironment(System.getenv()));
        priming.register();
    }

    /** A handler on an explicitly built object graph (local runtime, integration tests). */
    public PaymentHandler(FunctionWiring wiring) {
        this(wiring.api(), wiring.priming());
    }

    /** A handler in front of any {@link PaymentApi} (unit tests with in-memory ports). */
    public PaymentHandler(PaymentApi api) {
        this(api, null);
    }

    private PaymentHandler(PaymentApi api, SnapStartPriming priming) {
        this.api = api;
        this.metrics = new Metrics(System.out, "payment-api");
        this.priming = priming;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        long start = System.nanoTime();
        String correlationId = context != null ? context.getAwsRequestId()
                : event.getRequestContext() != null ? event.getRequestContext().getRequestId() : null;
        StructuredLog.putContext("requestId", correlationId);
        try {
            ApiRequest request = EventMapper.toRequest(event, correlationId);
            PaymentApi.Handled handled = api.handle(request);
            ApiResponse response = handled.response();
            long millis = (System.nanoTime() - start) / 1_000_000;
            LOG.info("request", "method", request.method(),
                    "route", handled.route() == null ? "unrouted" : handled.route().key(), "status", response.status(),
                    "latencyMs", millis);
            metrics.record(handled.route(), response.status(), millis,
                    "true".equals(response.headers().get(Idempotency.REPLAYED_HEADER)));
            return EventMapper.toResponse(response);
        } finally {
            StructuredLog.clearContext();
        }
    }

    /** The hooks SnapStart calls (null without a wiring); exposed for the cold-path benchmark. */
    public SnapStartPriming priming() {
        return priming;
    }
}
