package com.acme.payments.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.RequestContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a plain HTTP request into an HTTP API payload 2.0 event the way {@code sam local start-api} does:
 * lower-cased headers with repeated values joined by commas, cookies in {@code cookies}, decoded query parameters,
 * text bodies as text
 * and anything else base64-encoded, and (only here, never in the deployed function) development JWT claims.
 */
public final class HttpEventFactory {
    /** Header that names the merchant directly in development mode. */
    public static final String DEV_MERCHANT_HEADER = "x-dev-merchant";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private final ObjectMapper json = new ObjectMapper();

    public APIGatewayV2HTTPEvent toEvent(String method, String rawPath, String rawQuery,
                                         Map<String, List<String>> rawHeaders, byte[] body, String sourceIp) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        rawHeaders.forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (name.equals("cookie")) {
                // Payload 2.0: every Cookie header goes to `cookies`, one entry per cookie, and not to `headers`
                // (found by RuntimeEventFidelityIT against API Gateway's documented event).
                v.forEach(value -> Arrays.stream(value.split(";")).map(String::trim).filter(c -> !c.isEmpty())
                        .forEach(cookies::add));
            } else {
                headers.put(name, String.join(",", v));
            }
        });
        String contentType = headers.getOrDefault("content-type", "");
        boolean text = contentType.isEmpty() || contentType.contains("json") || contentType.startsWith("text/")
                || contentType.contains("x-www-form-urlencoded");
        String bodyText = null;
        if (body != null && body.length > 0) {
            bodyText = text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body);
        }
        Instant now = Instant.now();
        RequestContext.Http http = RequestContext.Http.builder().withMethod(method).withPath(rawPath)
                .withProtocol("HTTP/1.1").withSourceIp(sourceIp).withUserAgent(headers.get("user-agent")).build();
        RequestContext.RequestContextBuilder context = RequestContext.builder().withAccountId("123456789012").withApiId("local")
                .withDomainName("localhost").withDomainPrefix("localhost").withHttp(http)
                .withRequestId(UUID.randomUUID().toString()).withRouteKey("$default").withStage("$default")
                .withTime(TIME.format(now)).withTimeEpoch(now.toEpochMilli());
        Map<String, String> claims = devClaims(headers);
        if (!claims.isEmpty()) {
            RequestContext.Authorizer.JWT jwt = RequestContext.Authorizer.JWT.builder().withClaims(claims)
                    .withScopes(List.of()).build();
            context.withAuthorizer(RequestContext.Authorizer.builder().withJwt(jwt).build());
        }
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey("$default").withRawPath(rawPath)
                .withRawQueryString(rawQuery == null ? "" : rawQuery).withHeaders(headers)
                .withCookies(cookies.isEmpty() ? null : cookies)
                .withQueryStringParameters(query(rawQuery)).withRequestContext(context.build())
                .withBody(bodyText).withIsBase64Encoded(bodyText != null && !text).build();
    }

    /**
     * Development identity: an unsigned JWT in {@code Authorization: Bearer} (its payload claims are trusted
     * as-is) or the {@code X-Dev-Merchant} header. API Gateway's JWT authorizer replaces this in AWS.
     */
    Map<String, String> devClaims(Map<String, String> headers) {
        Map<String, String> claims = new LinkedHashMap<>();
        String merchant = headers.get(DEV_MERCHANT_HEADER);
        if (merchant != null && !merchant.isBlank()) {
            claims.put("merchant_id", merchant.trim());
        }
        String auth = headers.get("authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String[] parts = auth.substring(7).trim().split("\\.");
            if (parts.length >= 2) {
                try {
                    JsonNode payload = json.readTree(Base64.getUrlDecoder().decode(parts[1]));
                    payload.fields().forEachRemaining(e -> {
                        if (e.getValue().isValueNode()) {
                            claims.put(e.getKey(), e.getValue().asText());
                        }
                    });
                } catch (Exception e) {
                    // Not a decodable token: no claims, the API answers 401.
                }
            }
        }
        return claims;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] kv = pair.split("=", 2);
            String k = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
            String v = kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
            params.merge(k, v, (a, b) -> a + "," + b);
        }
        return params;
    }
}
