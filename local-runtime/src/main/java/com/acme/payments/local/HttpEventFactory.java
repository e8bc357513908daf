package com.acme.payments.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.RequestContext;
import com.acme.payments.local.auth.LocalAuthorizer;

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
 * and anything else base64-encoded, and the JWT claims the authorizer verified
 * ({@code requestContext.authorizer.jwt.claims}; see {@link LocalAuthorizer}).
 */
public final class HttpEventFactory {
    /** Header that names the merchant directly in development-identity mode (see {@link LocalAuthorizer}). */
    public static final String DEV_MERCHANT_HEADER = LocalAuthorizer.DEV_MERCHANT_HEADER;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final LocalAuthorizer DEVELOPMENT_IDENTITY = LocalAuthorizer.developmentIdentity("merchant_id");

    /**
     * An event whose claims come from the development identity (X-Dev-Merchant or an unverified token), for
     * in-process drivers that bypass the API server on purpose (benchmarks). The API server never uses it.
     */
    public APIGatewayV2HTTPEvent toEvent(String method, String rawPath, String rawQuery,
                                         Map<String, List<String>> rawHeaders, byte[] body, String sourceIp) {
        Map<String, String> headers = lowerCased(rawHeaders);
        Map<String, String> claims = DEVELOPMENT_IDENTITY.authorize(method, rawPath, headers)
                instanceof LocalAuthorizer.Result.Pass pass ? pass.claims() : Map.of();
        return toEvent(method, rawPath, rawQuery, rawHeaders, body, sourceIp, claims);
    }

    /** An event carrying {@code claims} as the verified JWT claims (none when empty). */
    public APIGatewayV2HTTPEvent toEvent(String method, String rawPath, String rawQuery,
                                         Map<String, List<String>> rawHeaders, byte[] body, String sourceIp,
                                         Map<String, String> claims) {
        Map<String, String> headers = lowerCased(rawHeaders);
        // Payload 2.0: Cookie headers go to `cookies`, one entry per cookie, and not to `headers` (found by
        // RuntimeEventFidelityIT against API Gateway's documented event).
        headers.remove("cookie");
        List<String> cookies = cookies(rawHeaders);
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
        if (claims != null && !claims.isEmpty()) {
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

    static Map<String, String> lowerCased(Map<String, List<String>> rawHeaders) {
        Map<String, String> headers = new LinkedHashMap<>();
        rawHeaders.forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        return headers;
    }

    private static List<String> cookies(Map<String, List<String>> rawHeaders) {
        List<String> cookies = new ArrayList<>();
        rawHeaders.forEach((name, values) -> {
            if (name.equalsIgnoreCase("cookie")) {
                values.forEach(value -> Arrays.stream(value.split(";")).map(String::trim).filter(c -> !c.isEmpty())
                        .forEach(cookies::add));
            }
        });
        return cookies;
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
