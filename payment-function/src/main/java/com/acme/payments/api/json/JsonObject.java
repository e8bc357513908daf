package com.acme.payments.api.json;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A JSON object of the API: a request body as {@link com.acme.payments.api.JsonCodec} read it, or an answer being
 * built. Members keep their order (a replaced member keeps its place), as Jackson's {@code ObjectNode} did, so every
 * answer is byte for byte what it was with databind. Written with streaming jackson-core, never data binding: the
 * cold path loads no databind, annotation or reflection classes for JSON (issue 15).
 *
 * <p>Member values are {@code null} (JSON null), {@link String}, {@link Boolean}, {@link Integer}/{@link Long}/
 * {@link BigInteger} (JSON integers), {@link BigDecimal} (JSON numbers with a fraction or exponent), {@link JsonObject}
 * or {@link JsonArray}.
 */
public final class JsonObject {
    private final LinkedHashMap<String, Object> members = new LinkedHashMap<>();

    /** The member's value ({@code null} for JSON null and for a missing member: {@link #has} tells them apart). */
    public Object get(String name) {
        return members.get(name);
    }

    /** Whether the member is present, JSON null included. */
    public boolean has(String name) {
        return members.containsKey(name);
    }

    /** Member names in document order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(members.keySet());
    }

    /** Members in document order. */
    public Set<Map.Entry<String, Object>> members() {
        return Collections.unmodifiableMap(members).entrySet();
    }

    public int size() {
        return members.size();
    }

    /** A string member; {@code null} writes JSON null (as {@code ObjectNode.put} did). */
    public JsonObject put(String name, String value) {
        members.put(name, value);
        return this;
    }

    public JsonObject put(String name, long value) {
        members.put(name, value);
        return this;
    }

    public JsonObject put(String name, boolean value) {
        members.put(name, value);
        return this;
    }

    public JsonObject putNull(String name) {
        members.put(name, null);
        return this;
    }

    public JsonObject set(String name, JsonObject value) {
        members.put(name, value);
        return this;
    }

    /** A new empty object as the member's value; returns the new object. */
    public JsonObject putObject(String name) {
        JsonObject child = new JsonObject();
        members.put(name, child);
        return child;
    }

    /** A new empty array as the member's value; returns the new array. */
    public JsonArray putArray(String name) {
        JsonArray child = new JsonArray();
        members.put(name, child);
        return child;
    }

    /** Package-private: the reader fills a parsed object without the typed overloads. */
    void putParsed(String name, Object value) {
        members.put(name, value);
    }

    /** Writes this object; {@code sortKeys} orders the members of every object by name (the canonical form). */
    public void writeTo(JsonGenerator g, boolean sortKeys) throws IOException {
        g.writeStartObject();
        Map<String, Object> ordered = sortKeys ? new TreeMap<>(members) : members;
        for (Map.Entry<String, Object> m : ordered.entrySet()) {
            g.writeFieldName(m.getKey());
            writeValue(g, m.getValue(), sortKeys);
        }
        g.writeEndObject();
    }

    static void writeValue(JsonGenerator g, Object value, boolean sortKeys) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Integer i) {
            g.writeNumber(i);
        } else if (value instanceof Long l) {
            g.writeNumber(l);
        } else if (value instanceof BigInteger bi) {
            g.writeNumber(bi);
        } else if (value instanceof BigDecimal bd) {
            g.writeNumber(bd);
        } else if (value instanceof JsonObject o) {
            o.writeTo(g, sortKeys);
        } else if (value instanceof JsonArray a) {
            a.writeTo(g, sortKeys);
        } else {
            throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }
}
