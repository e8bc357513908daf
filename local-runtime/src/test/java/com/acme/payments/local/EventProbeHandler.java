package com.acme.payments.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A handler with the same signature as PaymentHandler that answers with what it was given: the event as the
 * runtime interface client deserialized it (every field the function or API Gateway could care about) and the
 * Context's request id. Run under RIE + RIC by {@link RuntimeEventFidelityIT}; never deployed. It runs on the deployed
 * jar's classes only, so it writes with streaming jackson-core: the jar holds no databind (issue 15).
 */
public final class EventProbeHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Map<String, Object> seen = describe(event);
        seen.put("context.awsRequestId", context.getAwsRequestId());
        StringWriter body = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(body)) {
            write(g, seen);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return APIGatewayV2HTTPResponse.builder().withStatusCode(200)
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withCookies(List.of("probe=1; Path=/")).withBody(body.toString())
                .withIsBase64Encoded(false).build();
    }

    /** The value types {@link #describe} produces: maps, lists, strings, numbers, booleans, null. */
    private static void write(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case Map<?, ?> map -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> list -> {
                g.writeStartArray();
                for (Object item : list) {
                    write(g, item);
                }
                g.writeEndArray();
            }
            case Boolean b -> g.writeBoolean(b);
            case Long l -> g.writeNumber(l);
            case Integer i -> g.writeNumber(i);
            default -> g.writeString(value.toString());
        }
    }

    /** Every field of a payload 2.0 event, flattened, nulls kept (a null and a missing field must look alike). */
    static Map<String, Object> describe(APIGatewayV2HTTPEvent e) {
        Map<String, Object> d = new TreeMap<>();
        d.put("version", e.getVersion());
        d.put("routeKey", e.getRouteKey());
        d.put("rawPath", e.getRawPath());
        d.put("rawQueryString", e.getRawQueryString());
        d.put("cookies", e.getCookies());
        d.put("headers", e.getHeaders() == null ? null : new TreeMap<>(e.getHeaders()));
        d.put("queryStringParameters", e.getQueryStringParameters() == null ? null
                : new TreeMap<>(e.getQueryStringParameters()));
        d.put("pathParameters", e.getPathParameters() == null ? null : new TreeMap<>(e.getPathParameters()));
        d.put("stageVariables", e.getStageVariables() == null ? null : new TreeMap<>(e.getStageVariables()));
        d.put("body", e.getBody());
        d.put("isBase64Encoded", e.getIsBase64Encoded());
        var rc = e.getRequestContext();
        if (rc != null) {
            d.put("requestContext.routeKey", rc.getRouteKey());
            d.put("requestContext.stage", rc.getStage());
            d.put("requestContext.accountId", rc.getAccountId());
            d.put("requestContext.apiId", rc.getApiId());
            d.put("requestContext.domainName", rc.getDomainName());
            d.put("requestContext.requestId", rc.getRequestId());
            d.put("requestContext.timeEpoch", rc.getTimeEpoch());
            if (rc.getHttp() != null) {
                d.put("http.method", rc.getHttp().getMethod());
                d.put("http.path", rc.getHttp().getPath());
                d.put("http.protocol", rc.getHttp().getProtocol());
                d.put("http.sourceIp", rc.getHttp().getSourceIp());
                d.put("http.userAgent", rc.getHttp().getUserAgent());
            }
            if (rc.getAuthorizer() != null && rc.getAuthorizer().getJwt() != null) {
                d.put("jwt.claims", rc.getAuthorizer().getJwt().getClaims() == null ? null
                        : new TreeMap<>(rc.getAuthorizer().getJwt().getClaims()));
                d.put("jwt.scopes", rc.getAuthorizer().getJwt().getScopes());
            }
        }
        return d;
    }
}
