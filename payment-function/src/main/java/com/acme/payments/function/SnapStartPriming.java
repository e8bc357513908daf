package com.acme.payments.function;

import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.JsonCodec;
import com.acme.payments.api.PaymentApi;
import com.acme.payments.config.CachedConfig;
import com.acme.payments.logging.StructuredLog;
import com.acme.payments.service.WriteFence;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

import java.util.Map;

/**
 * SnapStart hooks, built from the collaborators they touch. Before the snapshot: warm the code paths of a
 * request with non-mutating work only (a read of a payment that cannot exist, mapped from and to a payload 2.0
 * event as the handler maps it, a health read, a config read, JSON
 * parsing and validation of a sample body). After restore: drop cached configuration and the cached view of the
 * active-region record, so nothing read before the snapshot (config, which region takes writes) is trusted by a
 * restored environment. Ids derive from requests, so there is no generator state to drop.
 */
public final class SnapStartPriming implements Resource {
    private static final StructuredLog LOG = StructuredLog.get(SnapStartPriming.class);
    static final String PRIMING_MERCHANT = "snapstart-priming";
    static final String ABSENT_PAYMENT = "/payments/pay_00000000-0000-7000-8000-000000000000";

    private final PaymentApi api;
    private final JsonCodec json;
    private final CachedConfig config;
    private final WriteFence fence;

    SnapStartPriming(PaymentApi api, JsonCodec json, CachedConfig config, WriteFence fence) {
        this.api = api;
        this.json = json;
        this.config = config;
        this.fence = fence;
    }

    /** Registers with the CRaC global context, which SnapStart drives (strongly held there). */
    public void register() {
        Core.getGlobalContext().register(this);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        config.invalidate();
        // A view read before the snapshot is older than any staleness bound (issue 12).
        fence.invalidate();
    }

    /** A payload 2.0 event as API Gateway sends it after its JWT authorizer: a read of a payment that cannot exist. */
    private static APIGatewayV2HTTPEvent absentPaymentEvent(Map<String, String> claims) {
        var http = APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath(ABSENT_PAYMENT)
                .build();
        var jwt = APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder().withClaims(claims).build();
        var context = APIGatewayV2HTTPEvent.RequestContext.builder().withHttp(http).withRequestId("priming")
                .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withJwt(jwt).build())
                .build();
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey("GET /payments/{id}")
                .withRawPath(ABSENT_PAYMENT).withHeaders(Map.of("accept", "application/json"))
                .withRequestContext(context).withIsBase64Encoded(false).build();
    }

    /** Idempotent and side-effect free: reads only. Failures are logged, never thrown (priming is best effort). */
    public void prime() {
        try {
            // The claim the API really reads, so priming exercises the authenticated path, not a 401. Through the
            // handler's own event mapping both ways (pure functions), as the first request after a restore will be.
            Map<String, String> claims = Map.of(api.merchantClaim(), PRIMING_MERCHANT);
            EventMapper.toResponse(api.handle(EventMapper.toRequest(absentPaymentEvent(claims), "priming"))
                    .response());
            api.handle(new ApiRequest("GET", "/health", Map.of(), Map.of(), null, Map.of(), "priming"));
            var body = json.parseObject("{\"amount\":1000,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa4242\","
                    + "\"description\":\"priming\",\"metadata\":{\"k\":\"v\"},\"capture\":false}", false);
            json.createCommand(body);
            json.canonical(body);
        } catch (RuntimeException e) {
            LOG.warn("priming incomplete", "errorType", e.getClass().getSimpleName());
        } finally {
            config.invalidate();
            fence.invalidate();
        }
    }
}
