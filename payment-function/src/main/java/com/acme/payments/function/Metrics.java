package com.acme.payments.function;

import com.acme.payments.api.Route;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;

/**
 * CloudWatch Embedded Metric Format: one JSON line per request on stdout, turned into metrics by CloudWatch
 * Logs without any API call on the request path. Namespace {@code Payments}, dimension {@code Route}.
 */
final class Metrics {
    private static final JsonFactory JSON = new JsonFactory();
    private final PrintStream out;
    private final String service;

    Metrics(PrintStream out, String service) {
        this.out = out;
        this.service = service;
    }

    /** @param route the route, or null for a request no route matched (dimension {@code unrouted}) */
    void record(Route route, int status, long latencyMillis) {
        record(route, status, latencyMillis, false);
    }

    /** @param replayed a stored answer sent again: it counts for latency, not as a second payment outcome */
    void record(Route route, int status, long latencyMillis, boolean replayed) {
        record(route == null ? "unrouted" : route.key(), status, latencyMillis,
                replayed ? null : createOutcome(route, status));
    }

    private void record(String route, int status, long latencyMillis, String outcome) {
        StringWriter buffer = new StringWriter(384);
        try (JsonGenerator g = JSON.createGenerator(buffer)) {
            g.writeStartObject();
            g.writeObjectFieldStart("_aws");
            g.writeNumberField("Timestamp", System.currentTimeMillis());
            g.writeArrayFieldStart("CloudWatchMetrics");
            g.writeStartObject();
            g.writeStringField("Namespace", "Payments");
            g.writeArrayFieldStart("Dimensions");
            g.writeStartArray();
            g.writeString("Service");
            g.writeString("Route");
            g.writeEndArray();
            g.writeEndArray();
            g.writeArrayFieldStart("Metrics");
            metric(g, "Latency", "Milliseconds");
            if (outcome != null) {
                metric(g, outcome, "Count");
            }
            if (status >= 500) {
                metric(g, "ServerErrors", "Count");
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeStringField("Service", service);
            g.writeStringField("Route", route);
            g.writeNumberField("StatusCode", status);
            g.writeNumberField("Latency", latencyMillis);
            if (outcome != null) {
                g.writeNumberField(outcome, 1);
            }
            if (status >= 500) {
                g.writeNumberField("ServerErrors", 1);
            }
            g.writeEndObject();
        } catch (IOException e) {
            return;
        }
        out.println(buffer);
    }

    private static void metric(JsonGenerator g, String name, String unit) throws IOException {
        g.writeStartObject();
        g.writeStringField("Name", name);
        g.writeStringField("Unit", unit);
        g.writeEndObject();
    }

    /**
     * PaymentsCreated / PaymentsPending / PaymentsDeclined / PaymentsFailed for create answers, else null. A 202
     * is counted as pending, not created: its payment is counted again when a retry reports the outcome.
     */
    static String createOutcome(Route route, int status) {
        if (route != Route.CREATE_PAYMENT) {
            return null;
        }
        return switch (status) {
            case 201 -> "PaymentsCreated";
            case 202 -> "PaymentsPending";
            case 402 -> "PaymentsDeclined";
            default -> status >= 500 ? "PaymentsFailed" : null;
        };
    }
}
