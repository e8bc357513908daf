package com.acme.payments.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP side of the stub: status codes, bodies, the API key and the test controls. */
class StubProcessorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final StubProcessor stub;

    StubProcessorTest() throws Exception {
        stub = new StubProcessor("127.0.0.1", 0, Set.of("key-1", "key-2"));
    }

    @AfterEach
    void close() {
        stub.close();
    }

    private HttpResponse<String> post(String path, String apiKey, String idempotencyKey, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stub.url() + path)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            b.header("X-Api-Key", apiKey);
        }
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(stub.url() + path)).header("X-Api-Key", "key-2").GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void outcomesAreAnsweredWithTheContractsStatusCodes() throws Exception {
        HttpResponse<String> approved = post("/v1/authorizations", "key-1", "k1",
                "{\"amount\":100,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\",\"reference\":\"pay_1\"}");
        assertThat(approved.statusCode()).isEqualTo(200);
        assertThat(json(approved).get("status").asText()).isEqualTo("approved");
        String ref = json(approved).get("reference").asText();

        HttpResponse<String> declined = post("/v1/authorizations", "key-2", "k2",
                "{\"amount\":100,\"currency\":\"USD\",\"paymentMethod\":\"tok_decline_1\"}");
        assertThat(declined.statusCode()).isEqualTo(402);
        assertThat(json(declined).get("reason").asText()).isEqualTo("card_declined");

        assertThat(post("/v1/authorizations", "key-1", "k3", "{\"paymentMethod\":\"tok_error_1\"}").statusCode())
                .isEqualTo(500);
        stub.failNextFollowUp("error");
        assertThat(post("/v1/authorizations/" + ref + "/capture", "key-1", "c1", "{\"amount\":100}").statusCode())
                .isEqualTo(503);
        assertThat(post("/v1/authorizations/auth_missing/void", "key-1", "v1", "{}").statusCode()).isEqualTo(404);
        assertThat(post("/v1/authorizations/" + ref + "/capture", "key-1", "c1", "{\"amount\":100}").statusCode())
                .as("the failed capture was not recorded, so its retry is new").isEqualTo(200);

        assertThat(get("/v1/operations/k1").statusCode()).isEqualTo(200);
        assertThat(json(get("/v1/operations/k1")).get("reference").asText()).isEqualTo(ref);
        assertThat(get("/v1/operations/k3").statusCode()).isEqualTo(404);
        assertThat(stub.authorizations()).isEqualTo(1);
        assertThat(stub.captures()).isEqualTo(1);
    }

    @Test
    void aLateAnswerArrivesAfterSlowMillis_andItsReplayAtOnce() throws Exception {
        stub.slowMillis(1_500);
        String body = "{\"amount\":100,\"currency\":\"USD\",\"paymentMethod\":\"tok_timeout_1\"}";

        long start = System.nanoTime();
        HttpResponse<String> late = post("/v1/authorizations", "key-1", "k1", body);
        long lateMillis = (System.nanoTime() - start) / 1_000_000;
        start = System.nanoTime();
        HttpResponse<String> replay = post("/v1/authorizations", "key-1", "k1", body);
        long replayMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(late.statusCode()).isEqualTo(200);
        assertThat(lateMillis).isGreaterThanOrEqualTo(1_500);
        assertThat(replay.body()).isEqualTo(late.body());
        assertThat(replayMillis).isLessThan(1_500);
    }

    @Test
    void callsWithoutAValidApiKeyOrIdempotencyKey_areRefusedAndChangeNothing() throws Exception {
        String body = "{\"amount\":100,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\"}";

        assertThat(post("/v1/authorizations", null, "k1", body).statusCode()).isEqualTo(401);
        assertThat(post("/v1/authorizations", "wrong", "k1", body).statusCode()).isEqualTo(401);
        assertThat(post("/v1/authorizations", "key-1", null, body).statusCode()).isEqualTo(400);
        assertThat(stub.authorizations()).isZero();
        assertThat(stub.model().calls()).isEmpty();
    }

    @Test
    void controlAndStats_scriptAndCountTheModel() throws Exception {
        String ref = json(post("/v1/authorizations", "key-1", "k1",
                "{\"amount\":100,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\"}")).get("reference").asText();

        assertThat(post("/_control", null, null, "{\"nextFollowUp\":\"sideways\"}").statusCode()).isEqualTo(400);
        assertThat(post("/_control", null, null, "{\"nextFollowUp\":\"decline\",\"lookupsUnavailable\":true}")
                .statusCode()).isEqualTo(204);
        assertThat(post("/v1/authorizations/" + ref + "/refunds", "key-1", "r1", "{\"amount\":40}").statusCode())
                .isEqualTo(402);
        assertThat(get("/v1/operations/k1").statusCode()).isEqualTo(503);
        assertThat(post("/v1/authorizations/" + ref + "/refunds", "key-1", "r2", "{\"amount\":40}").statusCode())
                .isEqualTo(200);

        JsonNode stats = json(get("/_stats"));
        assertThat(stats.get("authorizations").asInt()).isEqualTo(1);
        assertThat(stats.get("refunds").asInt()).isEqualTo(1);
        assertThat(stats.get("refundedAmount").asLong()).isEqualTo(40);
        assertThat(stats.get("requests").asInt()).isEqualTo(stub.requests());
    }
}
