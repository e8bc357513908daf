package com.acme.payments.api.idempotency;

import com.acme.payments.api.http.ApiResponse;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP answer as the idempotency store keeps it: {@code {"status":…,"headers":{…},"body":"…"}}. */
final class StoredAnswer {
    private static final JsonFactory JSON = new JsonFactory();

    private StoredAnswer() {
    }

    static String encode(ApiResponse response) {
        StringWriter out = new StringWriter(response.body() == null ? 128 : response.body().length() + 128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("status", response.status());
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : response.headers().entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
            if (response.body() != null) {
                g.writeStringField("body", response.body());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static ApiResponse decode(String stored) {
        int status = 0;
        String body = null;
        Map<String, String> headers = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(stored)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "status" -> status = p.getIntValue();
                    case "body" -> body = p.getText();
                    case "headers" -> {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String header = p.currentName();
                            p.nextToken();
                            headers.put(header, p.getText());
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("a stored answer is always readable", e);
        }
        return new ApiResponse(status, headers, body);
    }
}
