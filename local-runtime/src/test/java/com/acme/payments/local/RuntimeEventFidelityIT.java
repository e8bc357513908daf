package com.acme.payments.local;

import com.acme.payments.testsupport.LocalAws;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the real Lambda runtime pieces do with an HTTP API payload 2.0 event, compared with what the local runtime
 * does. {@link EventProbeHandler} (same signature as PaymentHandler) runs under aws-lambda-rie + the Java runtime
 * interface client and answers with the event as the client deserialized it. Three comparisons:
 * <ol>
 *   <li>the client's JSON handling vs a plain Jackson {@code ObjectMapper} (what the local Lambda proxy used to do
 *   in-process), for every sample event and two API Gateway events with cookies, repeated headers and query
 *   parameters, path parameters and a base64 body: field names, the base64 flag, cookies, header case;</li>
 *   <li>the local API server ({@link HttpEventFactory}) vs what API Gateway sends for the same HTTP request, both
 *   read through the runtime client: every difference must be one listed (and explained) in
 *   {@link #KNOWN_LOCAL_DIFFERENCES}, and every listed one must still exist;</li>
 *   <li>the response: the client's JSON of an {@code APIGatewayV2HTTPResponse} has only fields API Gateway reads,
 *   under the names it reads.</li>
 * </ol>
 * No AWS emulator needed; one runtime JVM for all cases (about 5 s).
 */
class RuntimeEventFidelityIT {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /**
     * Where the local API server's event differs from API Gateway's for the same request, and why that is
     * acceptable: the handler routes on {@code rawPath} and {@code requestContext.http.method} and reads neither of
     * these fields (PaymentApi's own route table). If the handler starts reading one of them, local results stop
     * meaning anything and this list must shrink by fixing HttpEventFactory.
     */
    static final Map<String, String> KNOWN_LOCAL_DIFFERENCES = Map.of(
            "routeKey", "the local server has no route table: \"$default\" instead of the matched route",
            "requestContext.routeKey", "same as routeKey",
            "pathParameters", "no route table, so no path parameters; the handler parses rawPath itself");
    /** Per request, not comparable between two separate deliveries of the same request. */
    static final Set<String> PER_REQUEST = Set.of("requestContext.requestId", "requestContext.timeEpoch",
            "context.awsRequestId", "requestContext.accountId", "requestContext.apiId", "requestContext.domainName",
            "requestContext.stage", "http.protocol");

    private static Path root;
    private static RuntimeInterfaceEmulator rie;
    private static Path log;

    @BeforeAll
    static void startRuntime() throws Exception {
        root = LocalAws.repositoryRoot();
        var layout = RuntimeInterfaceEmulator.Layout.of(root);
        Path work = Files.createDirectories(root.resolve("local-runtime/target/fidelity-it"));
        // The deployed jar, unzipped as Lambda does, plus the probe handler's class.
        Path task = RuntimeInterfaceEmulator.taskDirectory(root.resolve("payment-function/target/payment-function.jar"),
                List.of(), work.resolve("task"));
        Path probeClass = Path.of(EventProbeHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("com/acme/payments/local/EventProbeHandler.class");
        Files.createDirectories(task.resolve("com/acme/payments/local"));
        Files.copy(probeClass, task.resolve("com/acme/payments/local/EventProbeHandler.class"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        log = work.resolve("rie.log");
        Map<String, String> env = RuntimeInterfaceEmulator.lambdaEnvironment(Map.of("AWS_REGION", "us-east-1"),
                "payments-fidelity-probe");
        rie = RuntimeInterfaceEmulator.start(layout, task, EventProbeHandler.class.getName() + "::handleRequest", env,
                0, RuntimeInterfaceEmulator.LAMBDA_JVM_FLAGS, ProcessBuilder.Redirect.to(log.toFile()));
        rie.awaitListening(Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        if (rie != null) {
            rie.close();
            assertThat(rie.isAlive()).isFalse();
        }
    }

    /** The probe's answer, as the runtime interface client serialized it, for one event JSON. */
    private static JsonNode underRuntime(String eventJson, String requestId) throws IOException {
        var result = rie.invoke(eventJson.getBytes(StandardCharsets.UTF_8), requestId, Duration.ofSeconds(60));
        assertThat(result.status()).as(new String(result.body(), StandardCharsets.UTF_8) + "\nlog: " + log)
                .isEqualTo(200);
        return JSON.readTree(result.body());
    }

    private static Map<String, Object> seenByRuntime(String eventJson) throws IOException {
        String requestId = UUID.randomUUID().toString();
        JsonNode response = underRuntime(eventJson, requestId);
        Map<String, Object> seen = JSON.readValue(response.get("body").asText(), new TypeReference<TreeMap<String, Object>>() { });
        assertThat(seen.get("context.awsRequestId")).as("Context.getAwsRequestId() is the invoke's id")
                .isEqualTo(requestId);
        return seen;
    }

    /** The same description, of an event object in this JVM, through the same JSON round trip as the probe's. */
    private static Map<String, Object> described(APIGatewayV2HTTPEvent event) throws IOException {
        return JSON.readValue(JSON.writeValueAsString(EventProbeHandler.describe(event)),
                new TypeReference<TreeMap<String, Object>>() { });
    }

    private static List<Path> eventFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(root.resolve("events"))) {
            s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("env.json"))
                    .sorted().forEach(files::add);
        }
        try (var s = Files.list(root.resolve("local-runtime/src/test/resources/runtime-fidelity"))) {
            s.sorted().forEach(files::add);
        }
        return files;
    }

    @Test
    void runtimeClient_readsEveryEventFieldLikeJackson() throws Exception {
        List<String> differences = new ArrayList<>();
        for (Path file : eventFiles()) {
            String text = Files.readString(file);
            Map<String, Object> runtime = seenByRuntime(text);
            runtime.remove("context.awsRequestId");
            Map<String, Object> jackson = described(JSON.readValue(text, APIGatewayV2HTTPEvent.class));
            for (String field : union(runtime.keySet(), jackson.keySet())) {
                if (!java.util.Objects.equals(runtime.get(field), jackson.get(field))) {
                    differences.add(file.getFileName() + " " + field + ": runtime client " + runtime.get(field)
                            + " vs Jackson " + jackson.get(field));
                }
            }
            // What the event says must arrive: the base64 flag and the cookies are the classic casualties of
            // bean naming (isBase64Encoded) and of 1.0/2.0 mix-ups.
            JsonNode source = JSON.readTree(text);
            assertThat(runtime.get("isBase64Encoded")).as(file + " isBase64Encoded")
                    .isEqualTo(source.path("isBase64Encoded").asBoolean(false));
            if (source.has("cookies")) {
                assertThat(runtime.get("cookies")).as(file + " cookies")
                        .isEqualTo(JSON.convertValue(source.get("cookies"), List.class));
            }
            assertThat(runtime.get("headers")).as(file + " header names keep their case")
                    .isEqualTo(JSON.convertValue(source.get("headers"), TreeMap.class));
        }
        assertThat(differences).as("runtime client vs Jackson").isEmpty();
    }

    @Test
    void localApiServer_buildsWhatApiGatewaySends_exceptTheListedDifferences() throws Exception {
        var factory = new HttpEventFactory();
        // POST /payments?limit=5&tag=a&tag=b with cookies and a repeated header, as runtime-fidelity/cookies-query.json.
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        headers.put("User-Agent", List.of("probe/1.0"));
        headers.put("X-Custom", List.of("v1", "v2"));
        headers.put("Idempotency-Key", List.of("fidelity-1"));
        headers.put("Cookie", List.of("session=abc; theme=dark"));
        headers.put("X-Dev-Merchant", List.of("merchant_probe"));
        APIGatewayV2HTTPEvent local = factory.toEvent("POST", "/payments", "limit=5&tag=a&tag=b", headers,
                "{\"amount\":1}".getBytes(StandardCharsets.UTF_8), "198.51.100.7");
        Set<String> differences = new TreeSet<>(compare(local, "cookies-query.json", Set.of("x-dev-merchant")));

        // A binary body to a path with a parameter, as runtime-fidelity/binary-body.json.
        Map<String, List<String>> binaryHeaders = new LinkedHashMap<>();
        binaryHeaders.put("content-type", List.of("application/octet-stream"));
        binaryHeaders.put("user-agent", List.of("probe/1.0"));
        binaryHeaders.put("x-dev-merchant", List.of("merchant_probe"));
        String path = "/payments/pay_0192f7e0-0000-7000-8000-000000000001/capture";
        APIGatewayV2HTTPEvent binary = factory.toEvent("POST", path, null, binaryHeaders, new byte[] {0, 1, (byte) 0xff},
                "198.51.100.7");
        differences.addAll(compare(binary, "binary-body.json", Set.of("x-dev-merchant")));

        assertThat(differences).as("fields where the local API server's event differs from API Gateway's")
                .isEqualTo(KNOWN_LOCAL_DIFFERENCES.keySet());
    }

    /** Field names that differ between the local event and API Gateway's, both read through the runtime client. */
    private static Set<String> compare(APIGatewayV2HTTPEvent local, String apiGatewayFixture, Set<String> localOnlyHeaders)
            throws Exception {
        Map<String, Object> fromApiGateway = seenByRuntime(Files.readString(
                root.resolve("local-runtime/src/test/resources/runtime-fidelity").resolve(apiGatewayFixture)));
        // What the local API server hands the handler: the object itself, no JSON in between.
        Map<String, Object> fromLocal = described(local);
        // The development identity header exists only locally (API Gateway's authorizer replaces it); its claims
        // are compared like any other field.
        @SuppressWarnings("unchecked")
        Map<String, Object> localHeaders = (Map<String, Object>) fromLocal.get("headers");
        localOnlyHeaders.forEach(localHeaders::remove);
        Set<String> differing = new TreeSet<>();
        for (String field : union(fromApiGateway.keySet(), fromLocal.keySet())) {
            if (PER_REQUEST.contains(field) || field.equals("jwt.scopes")) {
                continue;
            }
            if (!java.util.Objects.equals(fromApiGateway.get(field), fromLocal.get(field))) {
                differing.add(field);
                System.out.printf("%s %s: API Gateway %s, local %s%n", apiGatewayFixture, field,
                        fromApiGateway.get(field), fromLocal.get(field));
            }
        }
        return differing;
    }

    @Test
    void runtimeClient_writesTheResponseFieldsApiGatewayReads() throws Exception {
        JsonNode response = underRuntime(Files.readString(root.resolve("events/health.json")), null);
        Set<String> fields = new TreeSet<>();
        for (Iterator<String> it = response.fieldNames(); it.hasNext(); ) {
            fields.add(it.next());
        }
        // API Gateway (payload 2.0) reads exactly these; an unknown name (e.g. "base64Encoded") would be ignored and
        // a base64 body delivered as text.
        assertThat(Set.of("statusCode", "headers", "multiValueHeaders", "cookies", "body", "isBase64Encoded"))
                .containsAll(fields);
        assertThat(fields).contains("statusCode", "body", "isBase64Encoded", "cookies");
        assertThat(response.get("isBase64Encoded").isBoolean()).isTrue();
        assertThat(response.get("cookies").get(0).asText()).isEqualTo("probe=1; Path=/");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
