package com.acme.payments.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The API's one route table. Routing resolves a request to a {@code Route}; handlers, logs and metrics switch on
 * it; tests check {@code api/openapi.yaml} and {@code template.yaml} against it. A new route starts here.
 */
public enum Route {
    HEALTH("GET", "/health", false, false),
    CREATE_PAYMENT("POST", "/payments", true, true),
    LIST_PAYMENTS("GET", "/payments", true, false),
    GET_PAYMENT("GET", "/payments/{id}", true, false),
    CAPTURE_PAYMENT("POST", "/payments/{id}/capture", true, true),
    REFUND_PAYMENT("POST", "/payments/{id}/refunds", true, true),
    CANCEL_PAYMENT("POST", "/payments/{id}/cancel", true, true);

    private static final Pattern PAYMENT_ID = Pattern.compile(
            "pay_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final String method;
    private final String template;
    private final boolean authenticated;
    private final boolean write;

    Route(String method, String template, boolean authenticated, boolean write) {
        this.method = method;
        this.template = template;
        this.authenticated = authenticated;
        this.write = write;
    }

    public String method() {
        return method;
    }

    /** The path with {@code {id}} for the payment id, as in OpenAPI and the HTTP API route keys. */
    public String template() {
        return template;
    }

    /** Needs a verified merchant claim. */
    public boolean authenticated() {
        return authenticated;
    }

    /** Changes state (POST): needs an Idempotency-Key and runs inside the idempotency decorator. */
    public boolean write() {
        return write;
    }

    /** {@code "POST /payments/{id}/capture"}: the HTTP API route key, and the name in logs and metrics. */
    public String key() {
        return method + " " + template;
    }

    /** The outcome of routing a request. */
    public sealed interface Resolution {
        /** A route, and the payment id when its template has one. */
        record Found(Route route, String paymentId) implements Resolution { }

        /** The path exists but not with this method; {@code allow} lists the methods it has. */
        record MethodNotAllowed(String allow) implements Resolution { }

        record NotFound() implements Resolution { }
    }

    /**
     * Resolves a method and a raw path. Paths that are not clean (traversal, doubled or encoded slashes, control
     * characters) and malformed payment ids are not found, never normalised.
     */
    public static Resolution resolve(String method, String path) {
        if (path == null || !isCleanPath(path)) {
            return new Resolution.NotFound();
        }
        String[] segments = path.substring(1).split("/", -1);
        String paymentId = null;
        String template;
        if (segments.length >= 2 && segments[0].equals("payments")) {
            paymentId = segments[1];
            if (!PAYMENT_ID.matcher(paymentId).matches()) {
                return new Resolution.NotFound();
            }
            segments[1] = "{id}";
            template = "/" + String.join("/", segments);
        } else {
            template = path;
        }
        String upper = method == null ? "" : method.toUpperCase(Locale.ROOT);
        List<String> allowed = new ArrayList<>();
        for (Route route : values()) {
            if (route.template.equals(template)) {
                if (route.method.equals(upper)) {
                    return new Resolution.Found(route, paymentId);
                }
                allowed.add(route.method);
            }
        }
        return allowed.isEmpty() ? new Resolution.NotFound()
                : new Resolution.MethodNotAllowed(String.join(", ", allowed.stream().sorted().toList()));
    }

    /** Rejects traversal, doubled or encoded slashes and control characters instead of normalising them. */
    static boolean isCleanPath(String path) {
        if (!path.startsWith("/") || path.length() > 200 || path.contains("//") || path.contains("..")
                || path.contains("%") || path.contains("\\")) {
            return false;
        }
        return path.chars().allMatch(c -> c > 0x20 && c < 0x7f) && (path.length() == 1 || !path.endsWith("/"));
    }
}
