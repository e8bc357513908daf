package com.acme.payments.function;

import com.acme.payments.api.Route;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** EMF lines keyed by the {@link Route}: one line per request, dimension Route = the route key. */
class MetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Metrics metrics = new Metrics(new PrintStream(out, true, StandardCharsets.UTF_8), "payment-api");

    private List<JsonNode> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().map(line -> {
            try {
                return JSON.readTree(line);
            } catch (Exception e) {
                throw new AssertionError("not one JSON object per line: " + line, e);
            }
        }).toList();
    }

    private static List<String> metricNames(JsonNode line) {
        return line.at("/_aws/CloudWatchMetrics/0/Metrics").valueStream().map(m -> m.get("Name").asText()).toList();
    }

    @Test
    void aCreatedPayment_isOneEmfLine_withTheRouteKeyAsDimension_andACreatedCount() {
        metrics.record(Route.CREATE_PAYMENT, 201, 12);

        JsonNode line = lines().getFirst();
        assertThat(lines()).hasSize(1);
        assertThat(line.at("/_aws/CloudWatchMetrics/0/Namespace").asText()).isEqualTo("Payments");
        assertThat(line.at("/_aws/CloudWatchMetrics/0/Dimensions/0").toString()).isEqualTo("[\"Service\",\"Route\"]");
        assertThat(line.get("Service").asText()).isEqualTo("payment-api");
        assertThat(line.get("Route").asText()).isEqualTo("POST /payments");
        assertThat(line.get("StatusCode").asInt()).isEqualTo(201);
        assertThat(line.get("Latency").asLong()).isEqualTo(12);
        assertThat(line.get("PaymentsCreated").asInt()).isEqualTo(1);
        assertThat(line.has("ServerErrors")).isFalse();
        assertThat(metricNames(line)).containsExactly("Latency", "PaymentsCreated");
    }

    @Test
    void aRequestNoRouteMatched_isCountedUnderUnrouted() {
        metrics.record(null, 404, 1);

        JsonNode line = lines().getFirst();
        assertThat(line.get("Route").asText()).isEqualTo("unrouted");
        assertThat(metricNames(line)).containsExactly("Latency");
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void aServerError_isCountedOnEveryRoute(Route route) {
        metrics.record(route, 503, 7);

        JsonNode line = lines().getFirst();
        assertThat(line.get("Route").asText()).isEqualTo(route.key());
        assertThat(line.get("ServerErrors").asInt()).isEqualTo(1);
        assertThat(metricNames(line)).contains("Latency", "ServerErrors");
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(nullValues = "none", value = {
            "CREATE_PAYMENT, 201, PaymentsCreated",
            "CREATE_PAYMENT, 202, PaymentsPending",
            "CREATE_PAYMENT, 402, PaymentsDeclined",
            "CREATE_PAYMENT, 502, PaymentsFailed",
            "CREATE_PAYMENT, 500, PaymentsFailed",
            "CREATE_PAYMENT, 400, none",
            "CREATE_PAYMENT, 409, none",
            "CAPTURE_PAYMENT, 200, none",
            "REFUND_PAYMENT, 201, none",
            "GET_PAYMENT, 502, none"})
    void createOutcomes_areCountedOnlyForTheCreateRoute(Route route, int status, String outcome) {
        metrics.record(route, status, 1, true);
        assertThat(lines().getLast().has(outcome == null ? "PaymentsCreated" : outcome))
                .as("a replayed answer is not a second outcome").isFalse();
        assertThat(Metrics.createOutcome(route, status)).isEqualTo(outcome);
        assertThat(Metrics.createOutcome(null, status)).isNull();
    }
}
