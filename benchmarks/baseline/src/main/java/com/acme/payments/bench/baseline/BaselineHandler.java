package com.acme.payments.bench.baseline;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import java.util.Map;

/**
 * The same baseline as a Lambda handler, for the cold path under aws-lambda-rie + the Java runtime interface client:
 * the constructor is {@link BaselineColdStart}'s init, {@link #handleRequest} its first request (the same seven
 * calls), with the merchant from the JWT claims and the key from the Idempotency-Key header. aws-lambda-java-core
 * and -events are {@code provided}: the runtime brings the first, the task directory's {@code lib/} the second (as
 * in a SAM-built zip), so benchmarks-baseline.jar itself holds only this one class more.
 */
public final class BaselineHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final BaselineColdStart baseline = new BaselineColdStart();

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        String merchant = event.getRequestContext().getAuthorizer().getJwt().getClaims().get("merchant_id");
        String key = event.getHeaders().get("idempotency-key");
        try {
            String body = baseline.create(merchant, key);
            return APIGatewayV2HTTPResponse.builder().withStatusCode(201)
                    .withHeaders(Map.of("Content-Type", "application/json")).withBody(body).build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
