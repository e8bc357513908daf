package com.acme.payments.api.http;

import java.util.Map;

/**
 * An HTTP request as the API layer sees it, independent of the Lambda event classes.
 *
 * @param headers header names lower-cased (HTTP API already does this)
 * @param body    the body as text, already base64-decoded, or null
 * @param claims  the JWT claims API Gateway verified, or empty
 */
public record ApiRequest(String method, String path, Map<String, String> headers, Map<String, String> query,
                         String body, Map<String, String> claims, String requestId) {
    public ApiRequest {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        query = query == null ? Map.of() : Map.copyOf(query);
        claims = claims == null ? Map.of() : Map.copyOf(claims);
    }

    public String header(String name) {
        return headers.get(name);
    }
}
