package com.acme.payments.api;

import com.acme.payments.api.http.ApiResponse;

import com.acme.payments.domain.FieldError;
import com.acme.payments.api.json.JsonArray;
import com.acme.payments.api.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** RFC 9457 problem details. Titles and details are written here, never copied from exceptions. */
public final class Problems {
    static final String TYPE_BASE = "https://payments.acme.example/problems/";
    private final JsonCodec json;

    public Problems(JsonCodec json) {
        this.json = json;
    }

    ApiResponse problem(int status, String slug, String title, String detail, String instance,
                        Consumer<JsonObject> extensions) {
        JsonObject n = new JsonObject();
        n.put("type", TYPE_BASE + slug);
        n.put("title", title);
        n.put("status", status);
        if (detail != null) {
            n.put("detail", detail);
        }
        if (instance != null) {
            n.put("instance", instance);
        }
        if (extensions != null) {
            extensions.accept(n);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/problem+json");
        headers.put("Cache-Control", "no-store");
        return new ApiResponse(status, headers, json.write(n));
    }

    ApiResponse validation(int status, String title, List<FieldError> errors, String instance) {
        return problem(status, status == 413 ? "payload-too-large" : "validation-error", title,
                "The request has " + errors.size() + " problem(s); see errors.", instance, n -> {
                    JsonArray list = n.putArray("errors");
                    for (FieldError e : errors) {
                        list.addObject().put("field", e.field()).put("detail", e.detail());
                    }
                });
    }
}
