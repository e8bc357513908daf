package com.acme.payments.api;

import static com.acme.payments.testsupport.Probes.probe;

import com.acme.payments.adapter.id.RequestDerivedIdGenerator;
import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.Payment;
import com.acme.payments.function.HealthResponse;
import com.acme.payments.function.PaymentHandler;
import com.acme.payments.port.HealthProbe;
import com.acme.payments.port.PaymentStore;
import com.acme.payments.service.HealthCheck;
import com.acme.payments.service.PaymentService;
import com.acme.payments.service.WriteFence;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryActiveRegionSource;
import com.acme.payments.testsupport.InMemoryIdempotencyStore;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.RequestContext;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real {@link PaymentHandler} and {@link PaymentApi} over the in-memory ports, plus a builder for HTTP API
 * payload 2.0 events. Each instance is an isolated world (own store, processor, clock, ids).
 */
public final class HandlerHarness {
    public static final String MERCHANT = "merchant_demo";
    public static final String OTHER_MERCHANT = "merchant_other";
    /** A well-formed payment id that no harness creates (ids derive from requests: SHA-256, UUID version 8). */
    public static final String ABSENT_ID = "pay_0192f7e0-ffff-7fff-8fff-ffffffffffff";

    private static final ObjectMapper JSON = new ObjectMapper();

    public final MutableClock clock = new MutableClock();
    public final InMemoryPaymentStore store = new InMemoryPaymentStore();
    public final InMemoryIdempotencyStore idempotencyStore = new InMemoryIdempotencyStore();
    public final FakeProcessor processor = new FakeProcessor();
    /** While true, every conditional update of a payment loses its version race (a storm of concurrent writers). */
    public volatile boolean updatesConflict;
    /** us-east-1 is active; the harness serves us-east-1. Switch it to test the write fence. */
    public final InMemoryActiveRegionSource activeRegion = new InMemoryActiveRegionSource("us-east-1");
    /** Makes the health check's table probe fail, as an unreachable table would. */
    public volatile boolean tableDown;
    public final PaymentHandler handler;
    private final AtomicLong requestIds = new AtomicLong();
    private final AtomicLong keys = new AtomicLong();

    public HandlerHarness() {
        AppConfig config = config();
        PaymentService service = new PaymentService(new SwitchableStore(), processor, () -> config, clock, "us-east-1");
        Idempotency idempotency = new Idempotency(idempotencyStore, clock, Idempotency.LOCK);
        JsonCodec json = new JsonCodec();
        // TTL zero: every check reads the record, so a test that switches the active region sees it at once.
        WriteFence fence = new WriteFence(activeRegion, "us-east-1", Duration.ZERO);
        AppConfig peered = new AppConfig(config.processorEndpoint(), config.processorApiKey(),
                config.processorTimeout(), config.currencyLimits(),
                Map.of("region", "us-east-2", "api-endpoint", "https://east2.example.test"));
        // The real health check and body over an in-memory table probe and the same active-region record.
        HealthCheck health = new HealthCheck(List.of(probe("config", () -> { }), probe("table", () -> {
            if (tableDown) {
                throw new IllegalStateException("table down (test)");
            }
        })), activeRegion, "us-east-1", Duration.ofMillis(900), Runnable::run, System::nanoTime);
        // The production ids: derived from the request, so they are deterministic here too.
        PaymentApi api = new PaymentApi(service, idempotency, new RequestDerivedIdGenerator(), json, "merchant_id",
                () -> HealthResponse.json(health.run(), "primary", "dev"), new WriteFenceGate(fence, () -> peered,
                json));
        this.handler = new PaymentHandler(api);
    }

    public static AppConfig config() {
        return new AppConfig(URI.create("http://127.0.0.1:9"), "test-key", Duration.ofSeconds(1),
                Map.of("USD", 1_000_000L, "EUR", 1_000_000L, "JPY", 100_000_000L), Map.of());
    }

    /**
     * The write fence of a region that is recorded active (us-east-1, in memory): for tests about something else
     * than regions, which still go through the real fence.
     */
    public static WriteFenceGate activeRegionFence(JsonCodec json) {
        return new WriteFenceGate(new WriteFence(new InMemoryActiveRegionSource("us-east-1"), "us-east-1",
                Duration.ZERO), HandlerHarness::config, json);
    }

    /** A fresh, valid Idempotency-Key. */
    public String key() {
        return "test-key-" + keys.incrementAndGet();
    }

    public Request request(String method, String path) {
        return new Request(method, path).claims(Map.of("merchant_id", MERCHANT));
    }

    public Request get(String path) {
        return request("GET", path);
    }

    /** A POST with a fresh Idempotency-Key and a JSON content type. */
    public Request post(String path, String body) {
        return request("POST", path).header("idempotency-key", key()).header("content-type", "application/json")
                .body(body);
    }

    public Response send(APIGatewayV2HTTPEvent event) {
        return new Response(handler.handleRequest(event, null));
    }

    /** Creates a payment that the fake processor approves and returns its id. */
    public String createPayment(String body) {
        Response r = post("/payments", body).send();
        if (r.status() != 201) {
            throw new AssertionError("setup: create answered " + r.status() + " " + r.body());
        }
        return r.json().get("id").asText();
    }

    public static String createBody(long amount, String currency, String token, boolean capture) {
        return "{\"amount\":" + amount + ",\"currency\":\"" + currency + "\",\"paymentMethod\":\"" + token
                + "\",\"capture\":" + capture + "}";
    }

    /** An HTTP API payload 2.0 event under construction. */
    public final class Request {
        private final String method;
        private final String path;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Map<String, String> query;
        private String rawQuery = "";
        private String body;
        private boolean base64;
        private Map<String, String> claims;
        private boolean noRequestContext;
        private boolean nullAuthorizer;

        private Request(String method, String path) {
            this.method = method;
            this.path = path;
        }

        public Request header(String name, String value) {
            if (value == null) {
                headers.remove(name);
            } else {
                headers.put(name, value);
            }
            return this;
        }

        public Request query(String name, String value) {
            if (query == null) {
                query = new LinkedHashMap<>();
            }
            query.put(name, value);
            rawQuery = rawQuery.isEmpty() ? name + "=" + value : rawQuery + "&" + name + "=" + value;
            return this;
        }

        public Request body(String body) {
            this.body = body;
            this.base64 = false;
            return this;
        }

        /** The body as API Gateway sends binary media: base64 of the bytes, {@code isBase64Encoded} true. */
        public Request base64Body(String text) {
            return rawBase64Body(Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
        }

        public Request rawBase64Body(String encoded) {
            this.body = encoded;
            this.base64 = true;
            return this;
        }

        /** Verified JWT claims; null sends an authorizer-less request context. */
        public Request claims(Map<String, String> claims) {
            this.claims = claims;
            return this;
        }

        public Request merchant(String merchant) {
            return claims(Map.of("merchant_id", merchant));
        }

        public Request withoutRequestContext() {
            this.noRequestContext = true;
            return this;
        }

        /** A request context whose authorizer is present but empty (no jwt). */
        public Request withEmptyAuthorizer() {
            this.nullAuthorizer = true;
            return this;
        }

        public APIGatewayV2HTTPEvent event() {
            String requestId = "req-" + requestIds.incrementAndGet();
            RequestContext.RequestContextBuilder context = RequestContext.builder()
                    .withAccountId("123456789012").withApiId("test").withRequestId(requestId)
                    .withRouteKey("$default").withStage("$default")
                    .withHttp(RequestContext.Http.builder().withMethod(method).withPath(path)
                            .withProtocol("HTTP/1.1").withSourceIp("203.0.113.10").build());
            if (nullAuthorizer) {
                context.withAuthorizer(RequestContext.Authorizer.builder().build());
            } else if (claims != null) {
                context.withAuthorizer(RequestContext.Authorizer.builder()
                        .withJwt(RequestContext.Authorizer.JWT.builder().withClaims(claims)
                                .withScopes(List.of("payments/write")).build())
                        .build());
            }
            return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey("$default").withRawPath(path)
                    .withRawQueryString(rawQuery).withHeaders(new LinkedHashMap<>(headers))
                    .withQueryStringParameters(query).withBody(body).withIsBase64Encoded(base64)
                    .withRequestContext(noRequestContext ? null : context.build()).build();
        }

        public Response send() {
            return HandlerHarness.this.send(event());
        }
    }

    /** What the handler answered. Header names are matched case-insensitively, as HTTP does. */
    public record Response(APIGatewayV2HTTPResponse raw) {
        public int status() {
            return raw.getStatusCode();
        }

        public String body() {
            return raw.getBody();
        }

        public Map<String, String> headers() {
            return raw.getHeaders() == null ? Map.of() : raw.getHeaders();
        }

        public String header(String name) {
            return headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body());
            } catch (JsonProcessingException e) {
                throw new AssertionError("body is not JSON: " + body(), e);
            }
        }

        /** The {@code field} of every entry of a problem's {@code errors}. */
        public List<String> errorFields() {
            JsonNode errors = json().path("errors");
            return errors.isArray() ? errors.valueStream().map(e -> e.path("field").asText()).toList() : List.of();
        }

        @Override
        public String toString() {
            return status() + " " + headers() + " " + body();
        }
    }

    /** {@link #store}, except that updates conflict while {@link #updatesConflict} is set. */
    private final class SwitchableStore implements PaymentStore {
        @Override
        public void create(Payment payment) {
            store.create(payment);
        }

        @Override
        public Optional<Payment> find(String paymentId) {
            return store.find(paymentId);
        }

        @Override
        public void update(Payment payment, long expectedVersion) {
            if (updatesConflict) {
                throw new ConcurrentUpdateException(payment.id());
            }
            store.update(payment, expectedVersion);
        }

        @Override
        public Page list(String merchantId, int limit, String cursor) {
            return store.list(merchantId, limit, cursor);
        }

        @Override
        public List<String> duePending(Instant now, int limit) {
            return store.duePending(now, limit);
        }

        @Override
        public void deferReconciliation(String paymentId, long version, Instant notBefore) {
            store.deferReconciliation(paymentId, version, notBefore);
        }
    }
}
