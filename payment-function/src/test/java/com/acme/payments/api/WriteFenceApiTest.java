package com.acme.payments.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The write fence at the edge: the harness serves us-east-1; its active-region record decides who writes. */
class WriteFenceApiTest {
    private final HandlerHarness h = new HandlerHarness();

    @Test
    void everyWriteInTheStandbyRegion_is503RegionNotActive_namingTheActiveRegionAndItsEndpoint() {
        String id = h.createPayment(HandlerHarness.createBody(2_500, "USD", "tok_visa_4242", false));
        h.activeRegion.set("us-east-2", null);
        for (HandlerHarness.Request write : List.of(
                h.post("/payments", HandlerHarness.createBody(100, "USD", "tok_visa_4242", false)),
                h.post("/payments/" + id + "/capture", "{}"),
                h.post("/payments/" + id + "/refunds", "{\"amount\":1}"),
                h.post("/payments/" + id + "/cancel", null))) {
            HandlerHarness.Response r = write.send();
            assertThat(r.status()).as(r.toString()).isEqualTo(503);
            assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(r.header("Retry-After")).isEqualTo("1");
            JsonNode p = r.json();
            assertThat(p.get("type").asText()).endsWith("/region-not-active");
            assertThat(p.get("region").asText()).isEqualTo("us-east-1");
            assertThat(p.get("activeRegion").asText()).isEqualTo("us-east-2");
            assertThat(p.get("activeEndpoint").asText()).isEqualTo("https://east2.example.test");
            assertThat(p.get("detail").asText()).contains("us-east-2").contains("same Idempotency-Key");
        }
    }

    @Test
    void aRefusedWrite_changesNothing_notEvenTheIdempotencyClaim_soTheSameKeyWorksOnceActive() {
        h.activeRegion.set("us-east-2", null);
        String key = "fenced-key-0001";
        String body = HandlerHarness.createBody(700, "USD", "tok_visa_4242", false);

        HandlerHarness.Response refused = h.post("/payments", body).header("idempotency-key", key).send();

        assertThat(refused.status()).isEqualTo(503);
        assertThat(h.store.all()).isEmpty();
        assertThat(h.idempotencyStore.holds(HandlerHarness.MERCHANT, key)).isFalse();
        assertThat(h.processor.calls()).isEmpty();

        h.activeRegion.set("us-east-1", null);
        HandlerHarness.Response created = h.post("/payments", body).header("idempotency-key", key).send();
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.header("Idempotent-Replayed")).isNull();
        assertThat(h.processor.authorizations()).isEqualTo(1);
    }

    @Test
    void whileAFailoverHoldsEveryRegionFenced_writesAre503_namingWhereTheyWillResume() {
        h.activeRegion.set(null, "us-east-2");
        HandlerHarness.Response r = h.post("/payments", HandlerHarness.createBody(100, "USD", "tok_visa_4242", false))
                .send();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isEqualTo("5");
        assertThat(r.json().get("activeRegion").isNull()).isTrue();
        assertThat(r.json().get("nextRegion").asText()).isEqualTo("us-east-2");
        assertThat(r.json().get("activeEndpoint").asText()).isEqualTo("https://east2.example.test");
        assertThat(h.store.all()).isEmpty();
    }

    @Test
    void withoutAnActiveRegionRecord_noRegionWrites() {
        h.activeRegion.remove();
        HandlerHarness.Response r = h.post("/payments", HandlerHarness.createBody(100, "USD", "tok_visa_4242", false))
                .send();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("type").asText()).endsWith("/region-not-active");
        assertThat(r.json().get("activeRegion").isNull()).isTrue();
        assertThat(h.store.all()).isEmpty();
    }

    @Test
    void anUnreadableRecord_is503ServiceUnavailable_andWritesNothing() {
        h.activeRegion.failing(true);
        String key = "unreadable-key-01";
        HandlerHarness.Response r = h.post("/payments", HandlerHarness.createBody(100, "USD", "tok_visa_4242", false))
                .header("idempotency-key", key).send();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("type").asText()).endsWith("/service-unavailable");
        assertThat(h.store.all()).isEmpty();
        assertThat(h.idempotencyStore.holds(HandlerHarness.MERCHANT, key)).isFalse();
    }

    @Test
    void readsAreServedInTheStandbyRegion_butAGetThereNeverReconciles() {
        HandlerHarness.Response pending = h.post("/payments",
                HandlerHarness.createBody(2_500, "USD", "tok_timeout_slow", false)).send();
        assertThat(pending.status()).as("setup: the processor answer was lost").isEqualTo(202);
        String id = pending.json().get("id").asText();
        h.activeRegion.set("us-east-2", null);

        HandlerHarness.Response standbyRead = h.get("/payments/" + id).send();
        assertThat(standbyRead.status()).isEqualTo(200);
        assertThat(standbyRead.json().get("status").asText()).isEqualTo("PENDING");
        assertThat(h.get("/payments").send().status()).isEqualTo(200);
        assertThat(h.processor.calls()).extracting(c -> c.kind().name()).doesNotContain("LOOKUP");

        h.activeRegion.set("us-east-1", null);
        assertThat(h.get("/payments/" + id).send().json().get("status").asText())
                .as("the active region reconciles").isEqualTo("AUTHORIZED");
    }

    @Test
    void health_saysWhichRegionIsActive_andIs503WhenTheTableIsDownOrNoRegionIsRecorded() {
        JsonNode ok = h.get("/health").claims(null).send().json();
        assertThat(ok.get("activeRegion").asText()).isEqualTo("us-east-1");
        assertThat(ok.get("writable").asBoolean()).isTrue();

        h.activeRegion.set("us-east-2", null);
        HandlerHarness.Response standby = h.get("/health").claims(null).send();
        assertThat(standby.status()).as("a standby region is healthy").isEqualTo(200);
        assertThat(standby.json().get("writable").asBoolean()).isFalse();
        assertThat(standby.json().get("fence").get("state").asText()).isEqualTo("standby");

        h.tableDown = true;
        HandlerHarness.Response down = h.get("/health").claims(null).send();
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.json().get("table").get("reachable").asBoolean()).isFalse();
        assertThat(down.json().get("table").get("failure").asText()).isEqualTo("IllegalStateException");
        h.tableDown = false;

        h.activeRegion.remove();
        HandlerHarness.Response missing = h.get("/health").claims(null).send();
        assertThat(missing.status()).isEqualTo(503);
        assertThat(missing.json().get("fence").get("state").asText()).isEqualTo("missing");
    }

    @Test
    void theSameCreateRequest_namesTheSamePayment_evenWhenItsFirstRecordIsGone() {
        // What an emergency failover does to a request whose idempotency record had not replicated: the new
        // region executes it again. The id derives from the request, so the processor sees the same key.
        String key = "lost-claim-key-01";
        String body = HandlerHarness.createBody(4_200, "USD", "tok_visa_4242", false);
        String first = h.post("/payments", body).header("idempotency-key", key).send().json().get("id").asText();

        HandlerHarness other = new HandlerHarness(); // another region: no record of the first execution
        String second = other.post("/payments", body).header("idempotency-key", key).send().json().get("id").asText();

        assertThat(second).isEqualTo(first);
        assertThat(other.processor.calls().getFirst().idempotencyKey())
                .isEqualTo(h.processor.calls().getFirst().idempotencyKey()).isEqualTo(first + ":authorize");
    }
}
