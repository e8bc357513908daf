package com.acme.payments.function;

import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** HTTP API payload 2.0 ⇄ {@link ApiRequest}/{@link ApiResponse}. */
final class EventMapper {
    /** Marks a body that was base64 but did not decode; the API answers 400 for it. */
    static final String UNDECODABLE = "\u0000undecodable-base64";

    private EventMapper() {
    }

    static ApiRequest toRequest(APIGatewayV2HTTPEvent event, String correlationId) {
        String method = null;
        Map<String, String> claims = Map.of();
        var context = event.getRequestContext();
        if (context != null) {
            if (context.getHttp() != null) {
                method = context.getHttp().getMethod();
            }
            // Only what API Gateway's JWT authorizer verified; never a header or the body.
            if (context.getAuthorizer() != null && context.getAuthorizer().getJwt() != null
                    && context.getAuthorizer().getJwt().getClaims() != null) {
                claims = context.getAuthorizer().getJwt().getClaims();
            }
        }
        Map<String, String> headers = new HashMap<>();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((k, v) -> {
                if (k != null) {
                    headers.put(k.toLowerCase(Locale.ROOT), v);
                }
            });
        }
        String body = event.getBody();
        if (body != null && event.getIsBase64Encoded()) {
            try {
                body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                body = UNDECODABLE;
            }
        }
        Map<String, String> query = event.getQueryStringParameters() == null ? Map.of()
                : event.getQueryStringParameters();
        String path = event.getRawPath();
        return new ApiRequest(method, path, headers, query, body, claims, correlationId);
    }

    static APIGatewayV2HTTPResponse toResponse(ApiResponse response) {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(response.headers())
                .withBody(response.body())
                .withIsBase64Encoded(false)
                .build();
    }
}
