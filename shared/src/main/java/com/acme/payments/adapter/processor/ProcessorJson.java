package com.acme.payments.adapter.processor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;

/** The processor's small JSON shapes, read and written with streaming jackson-core (no data binding). */
final class ProcessorJson {
    /**
     * Duplicate keys are refused: {@code {"status":"declined","status":"approved"}} has no one meaning, and an answer
     * without one meaning must read as unknown, not as whichever key a map kept last.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(64 * 1024).build())
            .build();

    private ProcessorJson() {
    }

    /**
     * The top-level scalar members of a JSON object as text (nested values skipped), or null when the body is not
     * one well-formed JSON object without duplicate keys. Never throws: the caller decides what an unreadable answer
     * means.
     */
    static Map<String, String> parseFlatObject(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Map<String, String> fields = new HashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    p.skipChildren();
                } else if (value != JsonToken.VALUE_NULL) {
                    fields.put(name, p.getText());
                }
            }
            return p.currentToken() == JsonToken.END_OBJECT && p.nextToken() == null ? fields : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A flat JSON object from alternating names and values (String, Long, Boolean). */
    static String object(Object... namesAndValues) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                String name = (String) namesAndValues[i];
                Object value = namesAndValues[i + 1];
                switch (value) {
                    case Long l -> g.writeNumberField(name, l);
                    case Boolean b -> g.writeBooleanField(name, b);
                    default -> g.writeStringField(name, String.valueOf(value));
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing to a string cannot fail", e);
        }
        return out.toString();
    }
}
