package com.acme.payments.bench;

import com.acme.payments.bench.child.FunctionColdStart.BenchContext;
import com.acme.payments.function.FunctionWiring;
import com.acme.payments.function.PaymentHandler;
import com.acme.payments.local.HttpEventFactory;
import com.acme.payments.local.StubProcessor;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Warm overhead, in one JVM: the real handler (event in, response out) against the raw calls it makes for the same
 * operation, issued directly with an identically configured SDK client (url-connection, same timeouts) and JDK
 * HttpClient. The raw sequence is written from PaymentService / DynamoDbIdempotencyStore / DynamoDbPaymentStore
 * and checked against the handler's real sequence with {@link CallCounter} before anything is timed. Items written
 * raw are copies of the items the handler wrote, so payload sizes match.
 */
final class WarmOverhead {
    record Result(List<String> handlerCreateCalls, List<String> rawCreateCalls, int handlerProcessorCalls,
                  int rawProcessorCalls, List<String> handlerGetCalls, List<String> rawGetCalls,
                  double[] handlerCreateMs, double[] rawCreateMs, double[] handlerGetMs, double[] rawGetMs,
                  double[] handlerCreateCpuMs, double[] rawCreateCpuMs, double[] handlerGetCpuMs, double[] rawGetCpuMs) {
    }

    private final BenchDeployment deployment;
    private final StubProcessor stub;
    private final PaymentHandler handler;
    private final DynamoDbClient dynamoDb;
    private final HttpClient http;
    private final HttpEventFactory events = new HttpEventFactory();
    private final ObjectMapper json = new ObjectMapper();
    private final String merchant = "m_warm_" + UUID.randomUUID().toString().substring(0, 8);
    private Map<String, AttributeValue> paymentTemplate;
    private Map<String, AttributeValue> idempotencyTemplate;
    private long counter;

    WarmOverhead(BenchDeployment deployment, StubProcessor stub) {
        this.deployment = deployment;
        this.stub = stub;
        this.handler = new PaymentHandler(FunctionWiring.fromEnvironment(deployment.functionEnv()));
        // Exactly as FunctionWiring builds its client; credentials from the default chain as well.
        this.dynamoDb = DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(5)).build())
                .region(Region.of(BenchDeployment.REGION))
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(6)))
                .endpointOverride(URI.create(deployment.endpoint)).build();
        // Exactly as HttpPaymentProcessor builds its client.
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Result run(int warmup, int iterations) throws Exception {
        // 1. What does the handler really call on a warm create? The first request also loads the configuration
        //    (SSM GetParametersByPath, then cached for PAYMENTS_CONFIG_TTL_SECONDS, 300 s), so it is not the one recorded.
        handlerCreate(nextKey());
        int stubBefore = stub.requests();
        String[] created = new String[1];
        List<String> handlerCreateCalls = CallCounter.record(() -> created[0] = handlerCreate(nextKey()).id);
        int handlerProcessorCalls = stub.requests() - stubBefore;
        List<String> handlerGetCalls = CallCounter.record(() -> handlerGet(created[0]));
        captureTemplates(created[0]);
        stubBefore = stub.requests();
        String[] raw = new String[1];
        List<String> rawCreateCalls = CallCounter.record(() -> raw[0] = rawCreate(nextKey()));
        int rawProcessorCalls = stub.requests() - stubBefore;
        List<String> rawGetCalls = CallCounter.record(() -> rawGet(raw[0]));
        Bench.log("  handler create: %s + %d processor call(s); raw create: %s + %d", handlerCreateCalls,
                handlerProcessorCalls, rawCreateCalls, rawProcessorCalls);
        Bench.log("  handler get: %s; raw get: %s", handlerGetCalls, rawGetCalls);
        if (!handlerCreateCalls.equals(rawCreateCalls) || handlerProcessorCalls != rawProcessorCalls
                || !handlerGetCalls.equals(rawGetCalls)) {
            throw new IllegalStateException("the raw call sequence does not match the handler's; fix WarmOverhead");
        }

        // 2. Interleaved: each iteration times handler and raw for both operations, alternating which goes first.
        //    Wall time, and CPU time of the calling thread (the SDK's sync clients do their I/O on it).
        double[][] m = new double[8][iterations];
        for (int i = 0; i < warmup + iterations; i++) {
            boolean handlerFirst = (i & 1) == 0;
            Sample hc;
            Sample rc;
            if (handlerFirst) {
                hc = handlerCreateSample();
                rc = measure(() -> rawCreate(nextKey()));
            } else {
                rc = measure(() -> rawCreate(nextKey()));
                hc = handlerCreateSample();
            }
            String hId = hc.id;
            String rId = rc.id;
            Sample hg;
            Sample rg;
            if (handlerFirst) {
                hg = handlerGetSample(hId);
                rg = measure(() -> rawGet(rId));
            } else {
                rg = measure(() -> rawGet(rId));
                hg = handlerGetSample(hId);
            }
            if (i >= warmup) {
                int k = i - warmup;
                Sample[] all = {hc, rc, hg, rg};
                for (int j = 0; j < 4; j++) {
                    m[j][k] = all[j].wallNanos / 1e6;
                    m[4 + j][k] = all[j].cpuNanos / 1e6;
                }
            }
            if ((i + 1) % 250 == 0) {
                Bench.log("  warm: %d/%d iterations (first %d are warm-up)", i + 1, warmup + iterations, warmup);
            }
        }
        return new Result(handlerCreateCalls, rawCreateCalls, handlerProcessorCalls, rawProcessorCalls,
                handlerGetCalls, rawGetCalls, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]);
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private record Sample(long wallNanos, long cpuNanos, String id) {
    }

    private static Sample measure(Supplier<String> work) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        String id = work.get();
        long wall = System.nanoTime() - start;
        return new Sample(wall, THREADS.getCurrentThreadCpuTime() - cpu, id);
    }

    private record Created(String id) {
    }

    private String nextKey() {
        return "warm-" + (++counter) + "-" + UUID.randomUUID();
    }

    // ---- handler side: the event is built before the clock starts (that is the runtime's work) -----------------

    private Sample handlerCreateSample() {
        APIGatewayV2HTTPEvent event = createEvent(nextKey());
        BenchContext context = new BenchContext(event.getRequestContext().getRequestId());
        APIGatewayV2HTTPResponse[] response = new APIGatewayV2HTTPResponse[1];
        Sample s = measure(() -> {
            response[0] = handler.handleRequest(event, context);
            return null;
        });
        return new Sample(s.wallNanos, s.cpuNanos, idOf(response[0], 201));
    }

    private Sample handlerGetSample(String id) {
        APIGatewayV2HTTPEvent event = getEvent(id);
        BenchContext context = new BenchContext(event.getRequestContext().getRequestId());
        APIGatewayV2HTTPResponse[] response = new APIGatewayV2HTTPResponse[1];
        Sample s = measure(() -> {
            response[0] = handler.handleRequest(event, context);
            return null;
        });
        idOf(response[0], 200);
        return s;
    }

    private Created handlerCreate(String key) {
        APIGatewayV2HTTPEvent event = createEvent(key);
        return new Created(idOf(handler.handleRequest(event, new BenchContext("verify")), 201));
    }

    private void handlerGet(String id) {
        idOf(handler.handleRequest(getEvent(id), new BenchContext("verify")), 200);
    }

    private APIGatewayV2HTTPEvent createEvent(String key) {
        String body = "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\","
                + "\"description\":\"warm benchmark\",\"metadata\":{\"order\":\"1001\"}}";
        return events.toEvent("POST", "/payments", null, Map.of("Content-Type", List.of("application/json"),
                        "Idempotency-Key", List.of(key), "X-Dev-Merchant", List.of(merchant)),
                body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
    }

    private APIGatewayV2HTTPEvent getEvent(String id) {
        return events.toEvent("GET", "/payments/" + id, null, Map.of("X-Dev-Merchant", List.of(merchant)), null,
                "127.0.0.1");
    }

    private String idOf(APIGatewayV2HTTPResponse response, int expected) {
        if (response.getStatusCode() != expected) {
            throw new IllegalStateException("handler answered " + response.getStatusCode() + ": " + response.getBody());
        }
        try {
            return json.readTree(response.getBody()).get("id").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- raw side ----------------------------------------------------------------------------------------

    private void captureTemplates(String paymentId) {
        paymentTemplate = dynamoDb.getItem(b -> b.tableName(deployment.table).consistentRead(true)
                .key(paymentKey(paymentId))).item();
        // The handler's idempotency record for its first create: found through the payment id it holds.
        idempotencyTemplate = dynamoDb.scan(b -> b.tableName(deployment.table)
                        .filterExpression("resourceId = :id")
                        .expressionAttributeValues(Map.of(":id", AttributeValue.fromS(paymentId)))).items()
                .stream().findFirst().orElseThrow(() -> new IllegalStateException("no idempotency record found"));
    }

    /** The handler's create, call for call (see the class comment); returns the payment id. */
    private String rawCreate(String key) {
        String table = deployment.table;
        String paymentId = "pay_" + UUID.randomUUID();
        Instant now = Instant.now();
        Map<String, AttributeValue> claimKey = Map.of("pk", s("IDEMPOTENCY#" + merchant + "#" + key),
                "sk", s("IDEMPOTENCY"));
        Map<String, AttributeValue> claim = new HashMap<>(claimKey);
        claim.put("state", s("IN_PROGRESS"));
        claim.put("fingerprint", idempotencyTemplate.get("fingerprint"));
        claim.put("resourceId", s(paymentId));
        String owner = "raw-" + key;
        claim.put("owner", s(owner));
        claim.put("lockedUntil", n(now.getEpochSecond() + 60));
        claim.put("expiresAt", n(now.getEpochSecond() + 86_400));
        // 1. DynamoDbIdempotencyStore.claim
        dynamoDb.putItem(b -> b.tableName(table).item(claim)
                .conditionExpression("attribute_not_exists(pk) OR (#exp < :now AND #st = :completed)")
                .expressionAttributeNames(Map.of("#exp", "expiresAt", "#st", "state"))
                .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond()), ":completed", s("COMPLETED"))));
        // 2. PaymentService.create -> store.find
        Map<String, AttributeValue> key2 = paymentKey(paymentId);
        dynamoDb.getItem(b -> b.tableName(table).consistentRead(true).key(key2));
        // 3. store.create
        Map<String, AttributeValue> pending = payment(paymentId, now, 1);
        dynamoDb.putItem(b -> b.tableName(table).item(pending).conditionExpression("attribute_not_exists(pk)"));
        // 4. HttpPaymentProcessor.authorize
        String body = "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\",\"capture\":false,"
                + "\"reference\":\"" + paymentId + "\"}";
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(stub.url() + "/v1/authorizations"))
                    .timeout(Duration.ofMillis(3000)).header("Content-Type", "application/json")
                    .header("X-Api-Key", deployment.apiKey).header("Idempotency-Key", paymentId + ":authorize")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("stub processor answered " + answer.statusCode());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        // 5.+6. recordAuthorization -> apply: load, then update conditional on the version
        Map<String, AttributeValue> current = dynamoDb.getItem(b -> b.tableName(table).consistentRead(true)
                .key(key2)).item();
        long version = Long.parseLong(current.get("version").n());
        Map<String, AttributeValue> authorized = payment(paymentId, now, version + 1);
        dynamoDb.putItem(b -> b.tableName(table).item(authorized).conditionExpression("#v = :expected")
                .expressionAttributeNames(Map.of("#v", "version"))
                .expressionAttributeValues(Map.of(":expected", n(version))));
        // 7. DynamoDbIdempotencyStore.complete
        dynamoDb.updateItem(b -> b.tableName(table).key(claimKey)
                .updateExpression("SET #st = :completed, outcome = :outcome")
                .conditionExpression("#st = :inprogress AND #owner = :owner")
                .expressionAttributeNames(Map.of("#st", "state", "#owner", "owner"))
                .expressionAttributeValues(Map.of(":completed", s("COMPLETED"),
                        ":outcome", idempotencyTemplate.get("outcome"), ":inprogress", s("IN_PROGRESS"),
                        ":owner", s(owner))));
        return paymentId;
    }

    /** The handler's get of a settled payment: PaymentService.get -> store.find, one consistent GetItem. */
    private String rawGet(String paymentId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(deployment.table).consistentRead(true)
                .key(paymentKey(paymentId))).item();
        if (item == null || item.isEmpty()) {
            throw new IllegalStateException("raw payment " + paymentId + " not found");
        }
        return paymentId;
    }

    private Map<String, AttributeValue> payment(String paymentId, Instant created, long version) {
        Map<String, AttributeValue> item = new HashMap<>(paymentTemplate);
        item.putAll(paymentKey(paymentId));
        item.put("id", s(paymentId));
        item.put("gsi1sk", s(created + "#" + paymentId));
        item.put("version", n(version));
        return item;
    }

    private static Map<String, AttributeValue> paymentKey(String paymentId) {
        return Map.of("pk", s("PAYMENT#" + paymentId), "sk", s("PAYMENT"));
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
