package com.acme.payments.local;

import com.acme.payments.function.PaymentHandler;
import com.acme.payments.local.auth.LocalAuthorizer;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drives the real handler with HTTP API 2.0 events built exactly as the local server builds them, each merchant
 * identified by a real RS256 token of the local issuer that passes the same JWT validation as the local API server
 * ({@link TestIdentity}: the dev config's JwtIssuer and JwtAudience from samconfig.toml).
 */
final class HandlerClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TOKENS = new ConcurrentHashMap<>();
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
        authenticate(headers, merchant);
        if (key != null) {
            headers.put("Idempotency-Key", List.of(key));
        }
        return send("POST", path, null, headers, body);
    }

    Answer get(String path, String query, String merchant) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        authenticate(headers, merchant);
        return send("GET", path, query, headers, null);
    }

    private static void authenticate(Map<String, List<String>> headers, String merchant) {
        if (merchant != null) {
            String token = TOKENS.computeIfAbsent(merchant,
                    m -> TestIdentity.issuer().tokenFor(m, Duration.ofHours(2)));
            headers.put("Authorization", List.of("Bearer " + token));
        }
    }

    private Answer send(String method, String path, String query, Map<String, List<String>> headers, String body) {
        LocalAuthorizer.Result auth = TestIdentity.authorizer().authorize(method, path,
                HttpEventFactory.lowerCased(headers));
        if (auth instanceof LocalAuthorizer.Result.Unauthorized refused) {
            return new Answer(401, Map.of("www-authenticate", refused.wwwAuthenticate()), refused.body());
        }
        APIGatewayV2HTTPEvent event = events.toEvent(method, path, query, headers,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), "127.0.0.1",
                ((LocalAuthorizer.Result.Pass) auth).claims());
        APIGatewayV2HTTPResponse r = handler.handleRequest(event,
                new LocalContext(event.getRequestContext().getRequestId()));
        return new Answer(r.getStatusCode(), r.getHeaders(), r.getBody());
    }
}
