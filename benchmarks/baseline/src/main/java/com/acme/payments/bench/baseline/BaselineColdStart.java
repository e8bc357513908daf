package com.acme.payments.bench.baseline;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Parameter;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cold-path baseline: a create-payment done "the way the SDK docs show it". {@code SsmClient.create()} and
 * {@code DynamoDbClient.create()} (default region, credential chain and HTTP client), no tuning, no priming, no
 * framework, no Jackson. It makes the same remote calls, in the same order, with items of the same shape as the
 * function's create (read in PaymentService, DynamoDbIdempotencyStore, DynamoDbPaymentStore, SsmConfigSource):
 * <ol>
 *   <li>SSM GetParametersByPath (recursive, with decryption): the configuration;</li>
 *   <li>DynamoDB PutItem, conditional: claim the Idempotency-Key;</li>
 *   <li>DynamoDB GetItem (consistent): the payment does not exist yet;</li>
 *   <li>DynamoDB PutItem, conditional: the PENDING payment;</li>
 *   <li>HTTP POST /v1/authorizations to the processor (JDK HttpClient, as the function);</li>
 *   <li>DynamoDB GetItem (consistent) + PutItem conditional on the version: the AUTHORIZED payment;</li>
 *   <li>DynamoDB UpdateItem, conditional: complete the idempotency record with the response.</li>
 * </ol>
 * Speaks the marker protocol of {@code com.acme.payments.bench.child.Probe} (copied: this jar depends on nothing
 * of ours). Environment as for the function: PAYMENTS_TABLE_NAME, PAYMENTS_PARAMETER_PATH, AWS_REGION,
 * AWS_ENDPOINT_URL, credentials; BENCH_MERCHANT and BENCH_IDEMPOTENCY_KEY.
 */
public final class BaselineColdStart {
    private static final Pattern REFERENCE = Pattern.compile("\"reference\"\\s*:\\s*\"([^\"]+)\"");

    public static void main(String[] args) throws Exception {
        // ---- init: what a handler constructor would do -----------------------------------------------------
        BaselineColdStart baseline = new BaselineColdStart();
        initDone();

        // ---- the first request --------------------------------------------------------------------------
        baseline.create(System.getenv("BENCH_MERCHANT"), System.getenv("BENCH_IDEMPOTENCY_KEY"));
        firstResponse(201);
    }

    private final String table = System.getenv("PAYMENTS_TABLE_NAME");
    private final String parameterPath = System.getenv("PAYMENTS_PARAMETER_PATH");
    private final SsmClient ssm = SsmClient.create();
    private final DynamoDbClient dynamoDb = DynamoDbClient.create();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Init: the two SDK clients with every default, and a JDK HTTP client. */
    BaselineColdStart() {
    }

    /** One create-payment: the seven remote calls listed above; returns the response body. */
    String create(String merchant, String key) throws IOException, InterruptedException {
        Map<String, String> config = new HashMap<>();
        for (Parameter p : ssm.getParametersByPathPaginator(b -> b.path(parameterPath).recursive(true)
                .withDecryption(true)).stream().flatMap(page -> page.parameters().stream()).toList()) {
            config.put(p.name().substring(parameterPath.length()), p.value());
        }
        String paymentId = "pay_" + UUID.randomUUID();
        Instant now = Instant.now();
        Map<String, AttributeValue> claimKey = Map.of("pk", s("IDEMPOTENCY#" + merchant + "#" + key),
                "sk", s("IDEMPOTENCY"));
        Map<String, AttributeValue> claim = new HashMap<>(claimKey);
        claim.put("state", s("IN_PROGRESS"));
        claim.put("fingerprint", s(UUID.randomUUID().toString()));
        claim.put("resourceId", s(paymentId));
        claim.put("lockedUntil", n(now.getEpochSecond() + 60));
        claim.put("expiresAt", n(now.getEpochSecond() + 86_400));
        dynamoDb.putItem(b -> b.tableName(table).item(claim)
                .conditionExpression("attribute_not_exists(pk) OR #exp < :now")
                .expressionAttributeNames(Map.of("#exp", "expiresAt"))
                .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond()))));

        Map<String, AttributeValue> paymentKey = Map.of("pk", s("PAYMENT#" + paymentId), "sk", s("PAYMENT"));
        GetItemResponse absent = dynamoDb.getItem(b -> b.tableName(table).consistentRead(true).key(paymentKey));
        if (absent.hasItem() && !absent.item().isEmpty()) {
            throw new IllegalStateException("fresh payment id exists");
        }
        Map<String, AttributeValue> pending = payment(paymentKey, paymentId, merchant, now, "PENDING", 1, null);
        dynamoDb.putItem(b -> b.tableName(table).item(pending).conditionExpression("attribute_not_exists(pk)"));

        String body = "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\",\"capture\":false,"
                + "\"reference\":\"" + paymentId + "\"}";
        HttpResponse<String> authorized = http.send(HttpRequest.newBuilder(
                        URI.create(config.get("processor/endpoint") + "/v1/authorizations"))
                .timeout(java.time.Duration.ofMillis(Long.parseLong(config.getOrDefault("processor/timeout-ms", "3000"))))
                .header("Content-Type", "application/json").header("X-Api-Key", config.get("processor/api-key"))
                .header("Idempotency-Key", paymentId + ":authorize")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher reference = REFERENCE.matcher(authorized.body());
        if (authorized.statusCode() != 200 || !reference.find()) {
            throw new IllegalStateException("processor answered " + authorized.statusCode());
        }

        Map<String, AttributeValue> current = dynamoDb.getItem(b -> b.tableName(table).consistentRead(true)
                .key(paymentKey)).item();
        long version = Long.parseLong(current.get("version").n());
        Map<String, AttributeValue> done = payment(paymentKey, paymentId, merchant, now, "AUTHORIZED", version + 1,
                reference.group(1));
        dynamoDb.putItem(b -> b.tableName(table).item(done).conditionExpression("#v = :expected")
                .expressionAttributeNames(Map.of("#v", "version"))
                .expressionAttributeValues(Map.of(":expected", n(version))));

        String response = "{\"id\":\"" + paymentId + "\",\"status\":\"AUTHORIZED\",\"amount\":2500,\"currency\":\"USD\"}";
        dynamoDb.updateItem(b -> b.tableName(table).key(claimKey)
                .updateExpression("SET #st = :completed, statusCode = :code, body = :body, headers = :headers")
                .conditionExpression("attribute_exists(pk)")
                .expressionAttributeNames(Map.of("#st", "state"))
                .expressionAttributeValues(Map.of(":completed", s("COMPLETED"), ":code", n(201), ":body", s(response),
                        ":headers", AttributeValue.fromM(Map.of("Location", s("/payments/" + paymentId))))));
        return response;
    }

    /** A payment item of the same shape as PaymentItemMapper writes (keys, GSI keys, amounts as N, history). */
    private static Map<String, AttributeValue> payment(Map<String, AttributeValue> key, String id, String merchant,
                                                       Instant created, String status, long version,
                                                       String processorReference) {
        Map<String, AttributeValue> item = new HashMap<>(key);
        item.put("gsi1pk", s("MERCHANT#" + merchant));
        item.put("gsi1sk", s(created + "#" + id));
        item.put("id", s(id));
        item.put("merchantId", s(merchant));
        item.put("amount", n(2500));
        item.put("currency", s("USD"));
        item.put("status", s(status));
        item.put("version", n(version));
        item.put("paymentMethod", s("tok_…4242"));
        item.put("description", s("cold-path benchmark"));
        item.put("metadata", AttributeValue.fromM(Map.of("order", s("1001"))));
        item.put("createdAt", s(created.toString()));
        item.put("updatedAt", s(Instant.now().toString()));
        item.put("region", s(System.getenv("AWS_REGION")));
        item.put("authorizedAmount", n("AUTHORIZED".equals(status) ? 2500 : 0));
        item.put("capturedAmount", n(0));
        item.put("refundedAmount", n(0));
        item.put("history", AttributeValue.fromL(List.of(AttributeValue.fromM(Map.of("status", s("PENDING"),
                "at", s(created.toString()))))));
        if (processorReference != null) {
            item.put("processorReference", s(processorReference));
        } else {
            item.put("pendingOperation", s("AUTHORIZE"));
            item.put("pendingOperationId", s(id + ":authorize"));
        }
        return item;
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    // ---- the marker protocol, identical to com.acme.payments.bench.child.Probe ------------------------------

    private static void initDone() {
        marker("INIT");
        long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        marker("GO " + classes);
    }

    private static void firstResponse(int status) {
        marker("FIRST " + status);
        long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        marker("END classes=" + classes + " hwmKb=" + procStatus("VmHWM") + " rssKb=" + procStatus("VmRSS"));
    }

    private static void marker(String text) {
        System.out.println("@@BENCH " + text);
        System.out.flush();
    }

    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
