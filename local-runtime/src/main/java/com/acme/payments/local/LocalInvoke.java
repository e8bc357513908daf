package com.acme.payments.local;

import com.acme.payments.function.PaymentHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * {@code make invoke}: the Docker-free {@code sam local invoke}. One event file through the handler in a fresh
 * JVM (constructed the way the Lambda runtime constructs it: no-argument constructor, environment variables),
 * against the local stack; prints the response.
 *
 * <pre>LocalInvoke EVENT_FILE [PAYMENT_ID]</pre>
 * The fixed id {@code pay_0192f7e0-0000-7000-8000-000000000001} in the sample events is replaced by PAYMENT_ID.
 */
public final class LocalInvoke {
    static final String SAMPLE_ID = "pay_0192f7e0-0000-7000-8000-000000000001";

    private LocalInvoke() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LocalInvoke EVENT_FILE [PAYMENT_ID]");
            System.exit(2);
        }
        String text = Files.readString(Path.of(args[0]));
        if (args.length > 1 && !args[1].isBlank()) {
            text = text.replace(SAMPLE_ID, args[1]);
        }
        ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .enable(SerializationFeature.INDENT_OUTPUT);
        APIGatewayV2HTTPEvent event = json.readValue(text, APIGatewayV2HTTPEvent.class);
        PaymentHandler handler = new PaymentHandler();
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, new LocalContext(UUID.randomUUID().toString()));
        System.out.println(json.writeValueAsString(response));
    }
}
