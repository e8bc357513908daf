package com.acme.payments.histories;

import com.acme.payments.testsupport.SequentialIds;
import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;
import com.acme.payments.api.HandlerHarness;
import com.acme.payments.api.JsonCodec;
import com.acme.payments.api.PaymentApi;
import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.config.AppConfig;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.service.PaymentService;
import com.acme.payments.service.Reconciler;
import com.acme.payments.testsupport.InMemoryIdempotencyStore;
import com.acme.payments.testsupport.MutableClock;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One isolated world for a history: the real {@link PaymentApi} (routes, idempotency decorator, codec, error
 * mapping), the real {@link PaymentService} and {@link Reconciler}, over a {@link FaultyPaymentStore}, the in-memory
 * idempotency store and a processor the test controls. Time is a {@link MutableClock}; the service's pause between
 * write tries is a no-op, so nothing here sleeps.
 */
final class HistoryWorld {
    static final String MERCHANT = "merchant_histories";
    /** One second past the idempotency lock: a retry after this takes an unfinished claim over. */
    static final Duration PAST_THE_LOCK = Idempotency.LOCK.plusSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    final MutableClock clock = new MutableClock();
    final FaultyPaymentStore store = new FaultyPaymentStore();
    final InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
    final PaymentProcessor processor;
    final PaymentService service;
    final Reconciler reconciler;
    private final PaymentApi api;
    private final AtomicReference<AppConfig> config = new AtomicReference<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final AtomicLong keyCount = new AtomicLong();

    HistoryWorld(PaymentProcessor processor) {
        this(processor, URI.create("http://127.0.0.1:9"));
    }

    HistoryWorld(PaymentProcessor processor, URI processorEndpoint) {
        this.processor = processor;
        config.set(config(processorEndpoint));
        this.service = new PaymentService(store, processor, config::get, clock, "us-east-1", attempt -> { });
        this.reconciler = new Reconciler(store, service, clock);
        this.api = new PaymentApi(service, new Idempotency(keys, clock, Idempotency.LOCK), new SequentialIds(),
                new JsonCodec(), "merchant_id", () -> new com.acme.payments.api.json.JsonObject().put("status", "ok"),
                HandlerHarness.activeRegionFence(new JsonCodec()));
    }

    static AppConfig config(URI processorEndpoint) {
        return new AppConfig(processorEndpoint, "test-api-key", Duration.ofSeconds(2),
                Map.of("USD", 1_000_000L), Map.of());
    }

    /** The operator changes the USD limit (the configuration is re-read at every request). */
    void limitUsdTo(long maxMinorUnits) {
        AppConfig current = config.get();
        config.set(new AppConfig(current.processorEndpoint(), current.processorApiKey(), current.processorTimeout(),
                Map.of("USD", maxMinorUnits), current.peer()));
    }

    /** A fresh, valid Idempotency-Key. */
    String newKey() {
        return "history-key-" + keyCount.incrementAndGet();
    }

    // ---- requests ------------------------------------------------------------------------------------------------

    Answer create(String key, long amount, boolean capture) {
        return post("/payments", key, "{\"amount\":" + amount + ",\"currency\":\"USD\",\"paymentMethod\":"
                + "\"tok_visa_4242\",\"capture\":" + capture + "}");
    }

    Answer capture(String paymentId, String key) {
        return post("/payments/" + paymentId + "/capture", key, "{}");
    }

    Answer cancel(String paymentId, String key) {
        return post("/payments/" + paymentId + "/cancel", key, "{}");
    }

    Answer refund(String paymentId, String key, long amount) {
        return post("/payments/" + paymentId + "/refunds", key, "{\"amount\":" + amount + "}");
    }

    Answer get(String paymentId) {
        return send("GET", "/payments/" + paymentId, Map.of(), null);
    }

    Answer post(String path, String key, String body) {
        return send("POST", path, Map.of("idempotency-key", key, "content-type", "application/json"), body);
    }

    private Answer send(String method, String path, Map<String, String> headers, String body) {
        ApiRequest request = new ApiRequest(method, path, headers, Map.of(), body, Map.of("merchant_id", MERCHANT),
                "req-" + requestIds.incrementAndGet());
        ApiResponse response = api.handle(request).response();
        return new Answer(response.status(), response.headers(), response.body());
    }

    /** A payment created and approved in one step (the setup of most histories); returns its id. */
    String approvedPayment(long amount, boolean capture) {
        Answer created = create(newKey(), amount, capture);
        if (created.status() != 201) {
            throw new AssertionError("setup: create answered " + created);
        }
        return created.json().get("id").asText();
    }

    /** What a client received. */
    record Answer(int status, Map<String, String> headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The payment in a payment answer, or in a refund answer's {@code payment}. */
        JsonNode payment() {
            JsonNode n = json();
            return n.has("payment") ? n.get("payment") : n;
        }

        /** The last segment of a problem's {@code type}, or null. */
        String problemType() {
            String type = json().path("type").asText(null);
            return type == null ? null : type.substring(type.lastIndexOf('/') + 1);
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }

        /** The answer without the replay marker: what a replay must equal byte for byte. */
        Answer withoutReplayMarker() {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.keySet().removeIf(k -> k.equalsIgnoreCase(Idempotency.REPLAYED_HEADER));
            return new Answer(status, h, body);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
