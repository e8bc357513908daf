package com.acme.payments.local;

import com.acme.payments.function.PaymentHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Drives the real handler with HTTP API 2.0 events built exactly as the local server builds them. */
final class HandlerClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PaymentHandler handler;
    private final HttpEventFactory events = new HttpEventFactory();

    HandlerClient(PaymentHandler handler) {
        this.handler = handler;
    }

    record Answer(int status, Map<String, String> headers, String raw) {
        JsonNode json() {
            try {
                return JSON.readTree(raw);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + raw, e);
            }
        }

        String header(String name) {
            return headers == null ? null : headers.get(name);
        }
    }

    Answer post(String path, String merchant, String key, String body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        if (merchant != null) {
            headers.put("X-Dev-Merchant", List.of(merchant));
        }
        if (key != null) {
            headers.put("Idempotency-Key", List.of(key));
        }
        return send("POST", path, null, headers, body);
    }

    Answer get(String path, String query, String merchant) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        if (merchant != null) {
            headers.put("X-Dev-Merchant", List.of(merchant));
        }
        return send("GET", path, query, headers, null);
    }

    private Answer send(String method, String path, String query, Map<String, List<String>> headers, String body) {
        APIGatewayV2HTTPEvent event = events.toEvent(method, path, query, headers,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
        APIGatewayV2HTTPResponse r = handler.handleRequest(event,
                new LocalContext(event.getRequestContext().getRequestId()));
        return new Answer(r.getStatusCode(), r.getHeaders(), r.getBody());
    }
}
