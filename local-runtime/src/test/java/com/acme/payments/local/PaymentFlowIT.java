package com.acme.payments.local;

import com.acme.payments.function.FunctionWiring;
import com.acme.payments.function.PaymentHandler;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every route through the real handler class against the emulator's DynamoDB and SSM, with the stub processor
 * over real HTTP: idempotency, processor outcomes, races and merchant isolation.
 */
class PaymentFlowIT {
    private static StubProcessor processor;
    private static TestDeployment deployment;
    private static HandlerClient api;

    @BeforeAll
    static void deploy() throws Exception {
        // The stub must know the key the deployment generates, so the endpoint is set once both exist.
        deployment = new TestDeployment(Region.US_EAST_1, "http://127.0.0.1:0", 700);
        processor = new StubProcessor("127.0.0.1", 0, Set.of(deployment.apiKey));
        processor.slowMillis(1_500);
        deployment.put("processor/endpoint", processor.url(), software.amazon.awssdk.services.ssm.model.ParameterType.STRING);
        api = new HandlerClient(new PaymentHandler(FunctionWiring.fromEnvironment(deployment.functionEnv(300))));
    }

    @AfterAll
    static void stop() {
        processor.close();
    }

    private static String key() {
        return "it-" + UUID.randomUUID();
    }

    private static String merchant() {
        return "m_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String createBody(long amount, String token) {
        return "{\"amount\":" + amount + ",\"currency\":\"USD\",\"paymentMethod\":\"" + token
                + "\",\"description\":\"IT order\",\"metadata\":{\"order\":\"1001\"}}";
    }

    private static String authorize(String merchant, long amount) {
        var created = api.post("/payments", merchant, key(), createBody(amount, "tok_visa_4242"));
        assertThat(created.status()).isEqualTo(201);
        return created.json().get("id").asText();
    }

    private static String captured(String merchant, long amount) {
        String id = authorize(merchant, amount);
        assertThat(api.post("/payments/" + id + "/capture", merchant, key(), null).status()).isEqualTo(200);
        return id;
    }

    @Test
    void create_replay_conflict_get() {
        String merchant = merchant();
        String key = key();
        var first = api.post("/payments", merchant, key, createBody(2500, "tok_visa_4242"));
        assertThat(first.status()).isEqualTo(201);
        String id = first.json().get("id").asText();
        assertThat(first.header("Location")).isEqualTo("/payments/" + id);
        assertThat(first.json().get("status").asText()).isEqualTo("AUTHORIZED");
        assertThat(first.json().get("paymentMethod").asText()).isEqualTo("tok_…4242");
        assertThat(first.raw()).doesNotContain("tok_visa_4242");

        var replay = api.post("/payments", merchant, key, createBody(2500, "tok_visa_4242"));
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.raw()).isEqualTo(first.raw());
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");

        var conflict = api.post("/payments", merchant, key, createBody(9999, "tok_visa_4242"));
        assertThat(conflict.status()).isEqualTo(422);

        var sameKeyOtherMerchant = api.post("/payments", merchant(), key, createBody(2500, "tok_visa_4242"));
        assertThat(sameKeyOtherMerchant.status()).as("keys are scoped per merchant").isEqualTo(201);
        assertThat(sameKeyOtherMerchant.json().get("id").asText()).isNotEqualTo(id);

        var got = api.get("/payments/" + id, null, merchant);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().get("authorizedAmount").asLong()).isEqualTo(2500);
        assertThat(got.json().get("history")).hasSize(2);
        assertThat(processor.authorizations()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void fiftyParallelIdenticalCreates_makeOnePaymentAndOneAuthorization() throws Exception {
        String merchant = merchant();
        String key = key();
        int before = processor.authorizations();
        int n = 50;
        List<HandlerClient.Answer> answers = parallel(n, () -> api.post("/payments", merchant, key,
                createBody(1234, "tok_visa_4242")));
        Set<String> bodies201 = new HashSet<>();
        int conflicts = 0;
        for (var a : answers) {
            assertThat(a.status()).as(a.raw()).isIn(201, 409);
            if (a.status() == 201) {
                bodies201.add(a.raw());
            } else {
                conflicts++;
            }
        }
        var listed = api.get("/payments", "limit=100", merchant).json().get("items");
        int authorizations = processor.authorizations() - before;
        System.out.printf("concurrency: %d parallel identical creates -> %d payment(s), %d processor authorization(s),"
                + " %d identical 201, %d 409%n", n, listed.size(), authorizations, n - conflicts, conflicts);
        assertThat(bodies201).hasSize(1);
        assertThat(listed).hasSize(1);
        assertThat(authorizations).isEqualTo(1);
    }

    @Test
    void declined_error_and_timeout_outcomes() throws Exception {
        String merchant = merchant();
        var declined = api.post("/payments", merchant, key(), createBody(500, "tok_decline_insufficient"));
        assertThat(declined.status()).isEqualTo(402);
        assertThat(declined.header("Content-Type")).isEqualTo("application/problem+json");
        String declinedId = declined.json().get("paymentId").asText();
        assertThat(declined.json().get("declineReason").asText()).isEqualTo("card_declined");
        assertThat(api.get("/payments/" + declinedId, null, merchant).json().get("status").asText())
                .isEqualTo("DECLINED");

        var error = api.post("/payments", merchant, key(), createBody(500, "tok_error_gateway"));
        assertThat(error.status()).isEqualTo(502);
        String errorId = error.json().get("paymentId").asText();
        assertThat(error.json().get("correlationId").asText()).isNotBlank();
        assertThat(api.get("/payments/" + errorId, null, merchant).json().get("status").asText()).isEqualTo("FAILED");

        // The stub charges, then answers after 1.5 s; the client gives up after 0.7 s: outcome unknown.
        var timeout = api.post("/payments", merchant, key(), createBody(500, "tok_timeout_slowbank"));
        assertThat(timeout.status()).isEqualTo(202);
        assertThat(timeout.json().get("status").asText()).isEqualTo("PENDING");
        String pendingId = timeout.json().get("id").asText();
        // Reconciliation on read asks the processor for the outcome of the same idempotency key.
        Thread.sleep(1_000);
        var resolved = api.get("/payments/" + pendingId, null, merchant);
        assertThat(resolved.json().get("status").asText())
                .as("charged at the processor, so it must never be reported failed").isEqualTo("AUTHORIZED");
    }

    @Test
    void parallelCaptures_onlyOneReachesTheProcessor() throws Exception {
        String merchant = merchant();
        String id = authorize(merchant, 10_000);
        int before = processor.captures();
        List<HandlerClient.Answer> answers = parallel(10, () -> api.post("/payments/" + id + "/capture", merchant,
                key(), "{\"amount\":6000}"));
        long ok = answers.stream().filter(a -> a.status() == 200).count();
        assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.raw()).isIn(200, 409));
        System.out.printf("concurrency: 10 parallel captures -> %d captured, %d processor capture(s)%n", ok,
                processor.captures() - before);
        assertThat(ok).isEqualTo(1);
        assertThat(processor.captures() - before).isEqualTo(1);
        JsonNode p = api.get("/payments/" + id, null, merchant).json();
        assertThat(p.get("capturedAmount").asLong()).isEqualTo(6000);
    }

    @Test
    void parallelRefunds_neverExceedTheCapturedAmount() throws Exception {
        String merchant = merchant();
        String id = captured(merchant, 100);
        int before = processor.refunds();
        List<HandlerClient.Answer> answers = parallel(20, () -> api.post("/payments/" + id + "/refunds", merchant,
                key(), "{\"amount\":10}"));
        long created = answers.stream().filter(a -> a.status() == 201).count();
        assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.raw()).isIn(201, 409));
        JsonNode p = api.get("/payments/" + id, null, merchant).json();
        System.out.printf("concurrency: 20 parallel refunds of 10 on 100 captured -> %d refunded, refundedAmount=%d,"
                + " %d processor refund(s)%n", created, p.get("refundedAmount").asLong(), processor.refunds() - before);
        assertThat(created).isEqualTo(10);
        assertThat(p.get("refundedAmount").asLong()).isEqualTo(100);
        assertThat(p.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(processor.refunds() - before).isEqualTo(10);
    }

    @Test
    void capture_refund_cancel_and_invalid_transitions() {
        String merchant = merchant();
        String id = authorize(merchant, 5000);
        var capture = api.post("/payments/" + id + "/capture", merchant, key(), "{\"amount\":4000}");
        assertThat(capture.status()).isEqualTo(200);
        assertThat(capture.json().get("status").asText()).isEqualTo("CAPTURED");
        var again = api.post("/payments/" + id + "/capture", merchant, key(), null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("currentStatus").asText()).isEqualTo("CAPTURED");
        var refund = api.post("/payments/" + id + "/refunds", merchant, key(), "{\"amount\":1500}");
        assertThat(refund.status()).isEqualTo(201);
        assertThat(refund.json().get("payment").get("status").asText()).isEqualTo("PARTIALLY_REFUNDED");
        var over = api.post("/payments/" + id + "/refunds", merchant, key(), "{\"amount\":2501}");
        assertThat(over.status()).isEqualTo(409);

        String toCancel = authorize(merchant, 700);
        var cancel = api.post("/payments/" + toCancel + "/cancel", merchant, key(), null);
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("CANCELED");
        var refundCanceled = api.post("/payments/" + toCancel + "/refunds", merchant, key(), "{\"amount\":1}");
        assertThat(refundCanceled.status()).isEqualTo(409);
        assertThat(refundCanceled.json().get("currentStatus").asText()).isEqualTo("CANCELED");
    }

    @Test
    void merchants_areIsolated_andListingPaginatesNewestFirst() {
        String a = merchant();
        String b = merchant();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(authorize(a, 100 + i));
        }
        String other = authorize(b, 999);
        assertThat(api.get("/payments/" + ids.get(0), null, b).status()).isEqualTo(404);
        assertThat(api.get("/payments/" + other, null, a).status()).isEqualTo(404);
        assertThat(api.post("/payments/" + ids.get(0) + "/capture", b, key(), null).status()).isEqualTo(404);

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var page = api.get("/payments", "limit=2" + (cursor == null ? "" : "&cursor=" + cursor), a).json();
            page.get("items").forEach(item -> seen.add(item.get("id").asText()));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            if (cursor != null) {
                assertThat(api.get("/payments", "cursor=" + cursor, b).status())
                        .as("a cursor is bound to its merchant").isEqualTo(400);
            }
        } while (cursor != null);
        List<String> newestFirst = new ArrayList<>(ids);
        java.util.Collections.reverse(newestFirst);
        assertThat(seen).containsExactlyElementsOf(newestFirst);
    }

    @Test
    void amountsAreStoredAsIntegerNumbers() {
        String merchant = merchant();
        String id = authorize(merchant, 4321);
        Map<String, AttributeValue> item = deployment.dynamoDb.getItem(b -> b.tableName(deployment.table)
                .key(Map.of("pk", AttributeValue.fromS("PAYMENT#" + id), "sk", AttributeValue.fromS("PAYMENT"))))
                .item();
        assertThat(item.get("amount").n()).isEqualTo("4321");
        assertThat(item.get("authorizedAmount").n()).isEqualTo("4321");
        assertThat(item.get("gsi1pk").s()).isEqualTo("MERCHANT#" + merchant);
        assertThat(item.toString()).doesNotContain("tok_visa_4242");
    }

    static <T> List<T> parallel(int n, Callable<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
