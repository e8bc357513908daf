package com.acme.payments.api.json;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A JSON array of the API; elements are the value types {@link JsonObject} lists. */
public final class JsonArray {
    private final List<Object> elements = new ArrayList<>();

    public JsonArray add(JsonObject element) {
        elements.add(element);
        return this;
    }

    /** A new empty object appended to the array; returns the new object. */
    public JsonObject addObject() {
        JsonObject child = new JsonObject();
        elements.add(child);
        return child;
    }

    /** Package-private: the reader appends parsed values of any JSON type. */
    void addParsed(Object value) {
        elements.add(value);
    }

    public int size() {
        return elements.size();
    }

    public Object get(int index) {
        return elements.get(index);
    }

    public List<Object> elements() {
        return Collections.unmodifiableList(elements);
    }

    void writeTo(JsonGenerator g, boolean sortKeys) throws IOException {
        g.writeStartArray();
        for (Object e : elements) {
            JsonObject.writeValue(g, e, sortKeys);
        }
        g.writeEndArray();
    }
}
