package com.acme.payments.local;

import com.acme.payments.adapter.processor.HttpPaymentProcessor;
import com.acme.payments.config.AppConfig;
import com.acme.payments.function.FunctionWiring;
import com.acme.payments.function.PaymentHandler;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.testsupport.LocalAws;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile conditions: the emulator unreachable mid-request, SSM gone after init, conflict storms and a slow or
 * failing processor. In every case: no payment lost, none charged twice, and the history explains it.
 */
class FaultsIT {
    private StubProcessor processor;
    private TestDeployment deployment;
    private TcpFaultProxy dynamoProxy;
    private TcpFaultProxy ssmProxy;

    @BeforeEach
    void setUp() throws Exception {
        deployment = new TestDeployment(Region.US_EAST_1, "http://127.0.0.1:9", 700);
        processor = new StubProcessor("127.0.0.1", 0, Set.of(deployment.apiKey));
        processor.slowMillis(1_500);
        deployment.put("processor/endpoint", processor.url(),
                software.amazon.awssdk.services.ssm.model.ParameterType.STRING);
        URI emulator = URI.create(LocalAws.endpoint());
        dynamoProxy = new TcpFaultProxy(emulator.getHost(), emulator.getPort());
        ssmProxy = new TcpFaultProxy(emulator.getHost(), emulator.getPort());
    }

    @AfterEach
    void tearDown() throws Exception {
        processor.close();
        dynamoProxy.close();
        ssmProxy.close();
    }

    /**
     * Past the 2 s idempotency lock these tests configure. The store keeps the lock in whole epoch seconds and
     * holds it through its last second, so a claim made at x.9 s stays locked until (x + 3).0: up to 3 s.
     */
    private static final long LOCK_PASSED_MILLIS = 3_200;

    private Map<String, String> env(long configTtlSeconds) {
        Map<String, String> env = new HashMap<>(deployment.functionEnv(configTtlSeconds));
        env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoProxy.url());
        env.put("AWS_ENDPOINT_URL_SSM", ssmProxy.url());
        env.put(FunctionWiring.IDEMPOTENCY_LOCK, "2");
        return env;
    }

    private static String body(long amount, String token) {
        return "{\"amount\":" + amount + ",\"currency\":\"USD\",\"paymentMethod\":\"" + token + "\"}";
    }

    @Test
    void ssmUnavailableAfterInit_servesCachedConfigUntilTtl_thenFailsClosed() throws Exception {
        HandlerClient api = new HandlerClient(new PaymentHandler(FunctionWiring.fromEnvironment(env(2))));
        assertThat(api.post("/payments", "m_ssm", "k-ssm-00001", body(100, "tok_visa_4242")).status()).isEqualTo(201);
        ssmProxy.cut();
        assertThat(api.post("/payments", "m_ssm", "k-ssm-00002", body(100, "tok_visa_4242")).status())
                .as("within the TTL the cached config serves").isEqualTo(201);
        Thread.sleep(2_200);
        var closed = api.post("/payments", "m_ssm", "k-ssm-00003", body(100, "tok_visa_4242"));
        assertThat(closed.status()).as("after the TTL it fails closed").isEqualTo(503);
        assertThat(closed.header("Retry-After")).isNotNull();
        assertThat(closed.raw()).doesNotContain(deployment.apiKey).doesNotContain("Exception");
        ssmProxy.restore();
        // A 503 keeps its claim (Retention: a fault midway may have moved money); nothing had, so once the lock
        // (2 s here) has passed the retry takes the claim over and completes the same request.
        assertThat(api.post("/payments", "m_ssm", "k-ssm-00003", body(100, "tok_visa_4242")).status())
                .as("within the lock the retry is told to wait").isEqualTo(409);
        Thread.sleep(LOCK_PASSED_MILLIS);
        var retried = api.post("/payments", "m_ssm", "k-ssm-00003", body(100, "tok_visa_4242"));
        assertThat(retried.status()).as("after the lock the same key resumes and completes").isEqualTo(201);
        System.out.println("faults: ssm cut after init -> cached 201 within TTL, 503 after TTL, 201 after restore");
    }

    @Test
    void dynamoDbCutAfterTheProcessorCharged_isResumedWithoutASecondCharge() throws Exception {
        // A processor wrapper that cuts DynamoDB right after the processor approved: the worst moment.
        Map<String, String> env = env(300);
        Supplier<AppConfig> config = () -> new AppConfig(URI.create(processor.url()), deployment.apiKey,
                Duration.ofMillis(700), Map.of("USD", 1_000_000L), Map.of());
        PaymentProcessor real = new HttpPaymentProcessor(config);
        PaymentProcessor cutting = new DelegatingProcessor(real) {
            volatile boolean armed = true;

            @Override
            public Result authorize(AuthorizeRequest request) {
                Result r = super.authorize(request);
                if (armed) {
                    armed = false;
                    dynamoProxy.cut();
                }
                return r;
            }
        };
        env.put(FunctionWiring.IDEMPOTENCY_LOCK, "8");
        HandlerClient api = new HandlerClient(new PaymentHandler(FunctionWiring.withProcessor(env, cutting)));
        String key = "k-ddb-" + UUID.randomUUID();
        long claimedAt = System.nanoTime();
        var failed = api.post("/payments", "m_ddb", key, body(4200, "tok_visa_4242"));
        assertThat(failed.status()).isEqualTo(503);
        assertThat(failed.json().get("correlationId").asText()).isNotBlank();
        dynamoProxy.restore();
        var inFlight = api.post("/payments", "m_ddb", key, body(4200, "tok_visa_4242"));
        assertThat(inFlight.status()).as("the claim is kept while its lock runs").isEqualTo(409);
        Thread.sleep(Math.max(0, 9_200 - (System.nanoTime() - claimedAt) / 1_000_000));
        var resumed = api.post("/payments", "m_ddb", key, body(4200, "tok_visa_4242"));
        assertThat(resumed.status()).as(resumed.raw()).isEqualTo(201);
        JsonNode payment = resumed.json();
        assertThat(payment.get("status").asText()).isEqualTo("AUTHORIZED");
        var listed = api.get("/payments", "limit=100", "m_ddb").json().get("items");
        System.out.printf("faults: dynamodb cut after charge -> 503, 409 while locked, resumed 201; payments=%d,"
                + " processor authorizations=%d%n", listed.size(), processor.authorizations());
        assertThat(listed).hasSize(1);
        assertThat(processor.authorizations()).as("the retry re-sent the same processor key").isEqualTo(1);
        assertThat(payment.get("history").toString()).contains("created").contains("authorized");
    }

    @Test
    void emulatorUnreachable_answers503AndLosesNothing() throws Exception {
        HandlerClient api = new HandlerClient(new PaymentHandler(FunctionWiring.fromEnvironment(env(300))));
        String id = api.post("/payments", "m_down", "k-down-0001", body(900, "tok_visa_4242")).json().get("id").asText();
        dynamoProxy.cut();
        var down = api.post("/payments/" + id + "/capture", "m_down", "k-down-0002", null);
        assertThat(down.status()).isEqualTo(503);
        var get = api.get("/payments/" + id, null, "m_down");
        assertThat(get.status()).isEqualTo(503);
        dynamoProxy.restore();
        Thread.sleep(LOCK_PASSED_MILLIS);
        var capture = api.post("/payments/" + id + "/capture", "m_down", "k-down-0002", null);
        assertThat(capture.status()).as(capture.raw()).isEqualTo(200);
        assertThat(processor.captures()).isEqualTo(1);
        System.out.println("faults: emulator unreachable -> 503 (no 5xx leak of internals), capture retried -> 200,"
                + " processor captures=1");
    }

    @Test
    void health_withBothEndpointsRefusing_answers503WithinASecond_andSaysWhatIsDown() throws Exception {
        // Config not cached yet (no request before): health has to ask SSM, and SSM refuses.
        HandlerClient api = new HandlerClient(new PaymentHandler(FunctionWiring.fromEnvironment(env(300))));
        dynamoProxy.cut();
        ssmProxy.cut();
        api.get("/health", null, null); // first call builds health's own clients; not what is timed
        long start = System.nanoTime();
        var down = api.get("/health", null, null);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("faults: /health with DynamoDB and SSM refusing connections -> %d in %d ms%n",
                down.status(), millis);
        assertThat(down.status()).isEqualTo(503);
        assertThat(millis).as("no SDK retries on the health path").isLessThan(1_200);
        JsonNode body = down.json();
        assertThat(body.get("status").asText()).isEqualTo("degraded");
        assertThat(body.get("config").get("reachable").asBoolean()).isFalse();
        assertThat(body.get("table").get("reachable").asBoolean()).isFalse();
        assertThat(body.get("fence").get("state").asText()).isEqualTo("unreadable");
        dynamoProxy.restore();
        ssmProxy.restore();
        var up = api.get("/health", null, null);
        assertThat(up.status()).as(up.raw()).isEqualTo(200);
        assertThat(up.json().get("activeRegion").asText()).isEqualTo("us-east-1");
        assertThat(up.json().get("writable").asBoolean()).isTrue();
    }

    @Test
    void health_withEndpointsThatAcceptButNeverAnswer_isCutOffWithinASecond() throws Exception {
        try (java.net.ServerSocket blackHole = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                while (!blackHole.isClosed()) {
                    try {
                        held.add(blackHole.accept()); // read nothing, answer nothing
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            Map<String, String> env = env(300);
            env.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:" + blackHole.getLocalPort());
            env.put("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:" + blackHole.getLocalPort());
            HandlerClient api = new HandlerClient(new PaymentHandler(FunctionWiring.fromEnvironment(env)));
            api.get("/health", null, null);
            long start = System.nanoTime();
            var hung = api.get("/health", null, null);
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("faults: /health with DynamoDB and SSM accepting but never answering -> %d in %d ms%n",
                    hung.status(), millis);
            assertThat(hung.status()).isEqualTo(503);
            assertThat(millis).isLessThan(1_200);
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void conflictStorm_neverOverRefunds() throws Exception {
        HandlerClient api = new HandlerClient(new PaymentHandler(FunctionWiring.fromEnvironment(env(300))));
        String id = api.post("/payments", "m_storm", "k-storm-0001", "{\"amount\":30,\"currency\":\"USD\","
                + "\"paymentMethod\":\"tok_visa_4242\",\"capture\":true}").json().get("id").asText();
        List<Map.Entry<String, HandlerClient.Answer>> answers = PaymentFlowIT.parallel(30, () -> {
            String key = "k-" + UUID.randomUUID();
            return Map.entry(key, api.post("/payments/" + id + "/refunds", "m_storm", key, "{\"amount\":2}"));
        });
        // 409: refused before anything moved (over the refundable amount, or every race lost before the
        // processor call). 503: the processor was called but the outcome lost every race to be recorded; the
        // key is kept, and the contract says to retry it: after the lock (2 s here) the retry resumes that refund.
        assertThat(answers).allSatisfy(a -> assertThat(a.getValue().status()).as(a.getValue().raw())
                .isIn(201, 409, 503));
        long retried = 0;
        long ok = answers.stream().filter(a -> a.getValue().status() == 201).count();
        for (Map.Entry<String, HandlerClient.Answer> a : answers) {
            if (a.getValue().status() == 503) {
                Thread.sleep(LOCK_PASSED_MILLIS);
                var again = api.post("/payments/" + id + "/refunds", "m_storm", a.getKey(), "{\"amount\":2}");
                assertThat(again.status()).as(again.raw()).isEqualTo(201);
                retried++;
                ok++;
            }
        }
        JsonNode p = api.get("/payments/" + id, null, "m_storm").json();
        System.out.printf("faults: conflict storm of 30 refunds x2 on 30 captured -> %d succeeded (%d after a 503"
                + " and a retry of its key), refunded=%d, processor refunds=%d%n", ok, retried,
                p.get("refundedAmount").asLong(), processor.refunds());
        assertThat(p.get("refundedAmount").asLong()).isLessThanOrEqualTo(30).isEqualTo(2L * processor.refunds());
        assertThat(ok).isEqualTo(processor.refunds());
    }

    @Test
    void processorFailures_onCapture_areRecordedAndReconciled() throws Exception {
        HandlerClient api = new HandlerClient(new PaymentHandler(FunctionWiring.fromEnvironment(env(300))));
        String id = api.post("/payments", "m_proc", "k-proc-0001", body(800, "tok_visa_4242")).json().get("id").asText();
        processor.failNextFollowUp("error");
        var error = api.post("/payments/" + id + "/capture", "m_proc", "k-proc-0002", null);
        assertThat(error.status()).isEqualTo(502);
        assertThat(error.json().get("currentStatus").asText()).isEqualTo("AUTHORIZED");
        processor.failNextFollowUp("decline");
        var declined = api.post("/payments/" + id + "/capture", "m_proc", "k-proc-0003", null);
        assertThat(declined.status()).isEqualTo(402);
        processor.failNextFollowUp("timeout");
        var unknown = api.post("/payments/" + id + "/capture", "m_proc", "k-proc-0004", null);
        assertThat(unknown.status()).isEqualTo(202);
        assertThat(unknown.json().get("pendingOperation").asText()).isEqualTo("CAPTURE");
        Thread.sleep(1_000);
        JsonNode after = api.get("/payments/" + id, null, "m_proc").json();
        assertThat(after.get("status").asText()).isEqualTo("CAPTURED");
        assertThat(after.get("capturedAmount").asLong()).isEqualTo(800);
        assertThat(processor.captures()).isEqualTo(1);
        assertThat(after.get("history").toString()).contains("capture failed: ")
                .contains("capture declined: ").contains("captured");
        System.out.println("faults: capture 5xx -> 502, decline -> 402, timeout -> 202 then reconciled to CAPTURED;"
                + " processor captures=1");
    }

    /** Forwards everything; subclasses intercept one call. */
    static class DelegatingProcessor implements PaymentProcessor {
        private final PaymentProcessor delegate;

        DelegatingProcessor(PaymentProcessor delegate) {
            this.delegate = delegate;
        }

        @Override
        public Result authorize(AuthorizeRequest request) {
            return delegate.authorize(request);
        }

        @Override
        public Result capture(String reference, long amount, String currency, String key) {
            return delegate.capture(reference, amount, currency, key);
        }

        @Override
        public Result voidAuthorization(String reference, String key) {
            return delegate.voidAuthorization(reference, key);
        }

        @Override
        public Result refund(String reference, long amount, String currency, String key) {
            return delegate.refund(reference, amount, currency, key);
        }

        @Override
        public Result lookup(String key) {
            return delegate.lookup(key);
        }
    }
}
