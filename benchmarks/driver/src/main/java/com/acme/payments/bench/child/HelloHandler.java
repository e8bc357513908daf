package com.acme.payments.bench.child;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

/**
 * The floor under aws-lambda-rie + the Java runtime interface client: a handler of the same type as PaymentHandler
 * that does no work. Its cold path is the emulator, the runtime client's start-up, its deserialization of the same
 * create event and its serialization of the answer: what the runtime pieces themselves cost.
 */
public final class HelloHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(201).withBody("{}").withIsBase64Encoded(false).build();
    }
}
