package com.acme.payments.bench.child;

import com.acme.payments.function.PaymentHandler;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.RequestContext;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import java.util.List;
import java.util.Map;

/**
 * One cold start of the deployed function, run on the classpath {@code payment-function.jar} + this class only.
 * Like the Lambda runtime: the no-argument constructor reads {@code System.getenv()}; with {@code prime} the
 * SnapStart {@code beforeCheckpoint} work runs next (what a SnapStart snapshot would contain). Then one
 * create-payment event (HTTP API payload 2.0, as API Gateway sends it after its JWT authorizer) is served.
 *
 * <p>Usage: {@code FunctionColdStart prime|noprime}; the merchant and Idempotency-Key come from
 * {@code BENCH_MERCHANT} and {@code BENCH_IDEMPOTENCY_KEY}. Not included (the runtime's work, not ours): the
 * runtime interface client's own start-up and its JSON deserialization of the event.
 */
public final class FunctionColdStart {
    private FunctionColdStart() {
    }

    public static void main(String[] args) {
        boolean prime = args.length > 0 && args[0].equals("prime");
        PaymentHandler handler = new PaymentHandler();
        if (prime) {
            handler.priming().prime();
        }
        Probe.initDone();
        APIGatewayV2HTTPEvent event = createEvent(System.getenv("BENCH_MERCHANT"),
                System.getenv("BENCH_IDEMPOTENCY_KEY"));
        APIGatewayV2HTTPResponse response = handler.handleRequest(event,
                new BenchContext(event.getRequestContext().getRequestId()));
        Probe.firstResponse(response.getStatusCode());
        if (response.getStatusCode() != 201) {
            System.err.println("unexpected answer " + response.getStatusCode() + ": " + response.getBody());
            System.exit(3);
        }
    }

    /** The event API Gateway (HTTP API, payload 2.0) sends for {@code POST /payments} after JWT authorization. */
    public static APIGatewayV2HTTPEvent createEvent(String merchant, String idempotencyKey) {
        String body = "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\","
                + "\"description\":\"cold-path benchmark\",\"metadata\":{\"order\":\"1001\"}}";
        long now = System.currentTimeMillis();
        String requestId = "cold-" + idempotencyKey;
        RequestContext.Http http = RequestContext.Http.builder().withMethod("POST").withPath("/payments")
                .withProtocol("HTTP/1.1").withSourceIp("203.0.113.10").withUserAgent("bench").build();
        RequestContext.Authorizer.JWT jwt = RequestContext.Authorizer.JWT.builder()
                .withClaims(Map.of("merchant_id", merchant, "sub", merchant)).withScopes(List.of()).build();
        RequestContext context = RequestContext.builder().withAccountId("123456789012").withApiId("bench")
                .withDomainName("bench.execute-api.us-east-1.amazonaws.com").withDomainPrefix("bench").withHttp(http)
                .withRequestId(requestId).withRouteKey("POST /payments").withStage("$default")
                .withTime("01/Jan/2026:00:00:00 +0000").withTimeEpoch(now)
                .withAuthorizer(RequestContext.Authorizer.builder().withJwt(jwt).build()).build();
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey("POST /payments")
                .withRawPath("/payments").withRawQueryString("")
                .withHeaders(Map.of("content-type", "application/json", "idempotency-key", idempotencyKey,
                        "host", "bench.execute-api.us-east-1.amazonaws.com", "user-agent", "bench"))
                .withRequestContext(context).withBody(body).withIsBase64Encoded(false).build();
    }

    /** The few Context values the handler reads. */
    public record BenchContext(String requestId) implements Context {
        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/payments-bench-api";
        }

        @Override
        public String getLogStreamName() {
            return "bench";
        }

        @Override
        public String getFunctionName() {
            return "payments-bench-api";
        }

        @Override
        public String getFunctionVersion() {
            return "1";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:123456789012:function:payments-bench-api:live";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return 15_000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 1024;
        }

        @Override
        public LambdaLogger getLogger() {
            return null;
        }
    }
}
