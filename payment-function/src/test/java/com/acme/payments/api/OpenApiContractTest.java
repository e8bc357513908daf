package com.acme.payments.api;

import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.api.idempotency.IdempotencyException;
import com.acme.payments.domain.Operation;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.domain.PendingCall;
import com.acme.payments.domain.Refund;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.domain.Transition;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code api/openapi.yaml} against the code that serves it. Routes are compared with what the handler actually
 * answers (not with a route table in the code), and real response bodies are checked against the schemas the
 * file declares for them, so the description cannot drift from the function silently.
 */
class OpenApiContractTest {
    private static final List<String> PROBE_METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head",
            "patch", "trace");
    /**
     * Paths the handler is probed on besides the ones in the file. A route the code serves but the file omits is
     * only found if its path is probed, so these are the routes a payment API plausibly grows.
     */
    private static final List<String> EXTRA_CANDIDATE_PATHS = List.of("/", "/payments/{id}/refunds/{refundId}",
            "/payments/{id}/void", "/payments/{id}/authorize", "/payments/{id}/history", "/refunds",
            "/refunds/{refundId}", "/merchants", "/status", "/openapi.yaml");
    /** Response headers that carry API semantics and so must be documented wherever they are sent. */
    private static final List<String> SEMANTIC_HEADERS = List.of("Location", "Idempotent-Replayed", "Retry-After",
            "Allow");
    private static final String PROBE_PAYMENT_ID = "pay_0192f7e0-1111-7111-8111-111111111111";
    private static final String PROBE_REFUND_ID = "re_0192f7e0-2222-7222-8222-222222222222";

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, Object> spec;

    @BeforeAll
    static void loadSpec() throws IOException {
        try (Reader reader = Files.newBufferedReader(repositoryRoot().resolve("api/openapi.yaml"))) {
            spec = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
    }

    /** The directory holding {@code mvnw}, whichever module directory the build runs the test from. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
    }

    // ---- routes ---------------------------------------------------------------------------------------------

    @Test
    void documentedRoutes_areExactlyTheRoutesTheHandlerServes() {
        Set<String> documented = documentedRoutes(spec);
        Set<String> served = servedRoutes(candidatePaths(spec));

        assertThat(documented).as("sanity: the file was parsed").hasSize(7);
        assertThat(routeDifferences(documented, served)).isEmpty();
    }

    @Test
    void routeComparison_detectsARouteMissingFromTheFileAndARouteTheHandlerDoesNotServe() {
        Set<String> served = servedRoutes(candidatePaths(spec));

        Map<String, Object> withoutCancel = deepCopy(spec);
        paths(withoutCancel).remove("/payments/{id}/cancel");
        assertThat(routeDifferences(documentedRoutes(withoutCancel), served))
                .containsExactly("served but not documented: POST /payments/{id}/cancel");

        Map<String, Object> withDelete = deepCopy(spec);
        pathItem(withDelete, "/payments/{id}").put("delete", Map.of("responses", Map.of()));
        assertThat(routeDifferences(documentedRoutes(withDelete), served))
                .containsExactly("documented but not served: DELETE /payments/{id}");
    }

    /**
     * The probe sends no JWT claims, so every authenticated route answers 401 before it looks anything up (an
     * absent payment would otherwise answer 404 and look like a missing route). That doubles as a check of the
     * documented security: documented-secured routes must answer 401, /health must not.
     */
    @Test
    void unauthenticatedProbe_answers401OnEverySecuredRouteAnd200OnHealth() {
        HandlerHarness harness = new HandlerHarness();
        for (String route : documentedRoutes(spec)) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1);
            int status = harness.request(method, concrete(path)).claims(null).send().status();
            boolean secured = !effectiveSecurity(operation(spec, path, method)).isEmpty();
            assertThat(status).as(route).isEqualTo(secured ? 401 : 200);
        }
    }

    private static Set<String> documentedRoutes(Map<String, Object> document) {
        Set<String> routes = new TreeSet<>();
        paths(document).forEach((path, item) -> map(item).keySet().stream()
                .filter(HTTP_METHODS::contains)
                .forEach(method -> routes.add(method.toUpperCase(Locale.ROOT) + " " + path)));
        return routes;
    }

    private static List<String> candidatePaths(Map<String, Object> document) {
        List<String> candidates = new ArrayList<>(paths(document).keySet());
        candidates.addAll(EXTRA_CANDIDATE_PATHS);
        return candidates;
    }

    /** A route exists iff the handler's answer is neither 404 (no such path) nor 405 (no such method). */
    private static Set<String> servedRoutes(List<String> pathTemplates) {
        HandlerHarness harness = new HandlerHarness();
        Set<String> routes = new TreeSet<>();
        for (String template : pathTemplates) {
            for (String method : PROBE_METHODS) {
                int status = harness.request(method, concrete(template)).claims(null).send().status();
                if (status != 404 && status != 405) {
                    routes.add(method + " " + template);
                }
            }
        }
        return routes;
    }

    private static String concrete(String template) {
        return template.replace("{id}", PROBE_PAYMENT_ID).replace("{refundId}", PROBE_REFUND_ID);
    }

    private static List<String> routeDifferences(Set<String> documented, Set<String> served) {
        List<String> differences = new ArrayList<>();
        served.stream().filter(r -> !documented.contains(r)).forEach(r -> differences.add("served but not documented: " + r));
        documented.stream().filter(r -> !served.contains(r)).forEach(r -> differences.add("documented but not served: " + r));
        return differences;
    }

    // ---- idempotency key and security ---------------------------------------------------------------------

    @Test
    void everyPost_requiresTheIdempotencyKeyHeader() {
        List<String> posts = documentedRoutes(spec).stream().filter(r -> r.startsWith("POST ")).toList();
        assertThat(posts).hasSize(4);
        for (String route : posts) {
            String path = route.substring("POST ".length());
            Map<String, Object> header = parameters(path, "post").stream()
                    .filter(p -> "header".equals(p.get("in")) && "Idempotency-Key".equalsIgnoreCase((String) p.get("name")))
                    .findFirst().orElse(null);
            assertThat(header).as(route + " declares Idempotency-Key").isNotNull();
            assertThat(header.get("required")).as(route).isEqualTo(true);
            Map<String, Object> schema = resolve(map(header.get("schema")));
            assertThat(schema).as(route).containsEntry("minLength", 8).containsEntry("maxLength", 255);
        }
    }

    @Test
    void documentedIdempotencyKeyPattern_acceptsExactlyWhatTheServiceAccepts() {
        Map<String, Object> schema = map(map(map(spec.get("components")).get("parameters")).get("IdempotencyKey"));
        Pattern documented = Pattern.compile((String) map(schema.get("schema")).get("pattern"));
        List<String> samples = List.of("abcdefgh", "3f7c9a2e-6b1d-4f0e-9d2a-1c5b8e7f4a60", "a:b.c-d_e", "1234567",
                "", "with space", "ключ-ключ-ключ", "tab\there-123", "x".repeat(255), "x".repeat(256), "slash/key/1");
        for (String key : samples) {
            assertThat(documented.matcher(key).matches()).as("'%s'", key).isEqualTo(serviceAccepts(key));
        }
        assertThat(samples.stream().filter(OpenApiContractTest::serviceAccepts)).as("sanity: both outcomes sampled")
                .hasSizeBetween(1, samples.size() - 1);
    }

    // ---- request schemas: what the file admits is what the handler accepts (Schemathesis relies on it) -----

    /**
     * The file's "no control characters" pattern on a description, a metadata key and a metadata value, against
     * the handler, character by character: every code point below U+0100, the line and paragraph separators and
     * their neighbours, a BOM and an astral character.
     */
    @Test
    void documentedTextPatterns_admitExactlyTheCharactersTheHandlerAccepts() {
        Map<String, Object> create = schema("CreatePaymentRequest");
        Map<String, Object> properties = map(create.get("properties"));
        Map<String, Object> metadata = map(properties.get("metadata"));
        Map<String, Pattern> documented = new LinkedHashMap<>();
        documented.put("description", Pattern.compile((String) map(properties.get("description")).get("pattern")));
        documented.put("metadata key", Pattern.compile((String) map(metadata.get("propertyNames")).get("pattern")));
        documented.put("metadata value",
                Pattern.compile((String) map(metadata.get("additionalProperties")).get("pattern")));
        List<Integer> codePoints = new ArrayList<>();
        for (int c = 0; c < 0x100; c++) {
            codePoints.add(c);
        }
        codePoints.addAll(List.of(0x2027, 0x2028, 0x2029, 0x202A, 0xFEFF, 0x1F600));

        HandlerHarness harness = new HandlerHarness();
        List<String> disagreements = new ArrayList<>();
        int rejected = 0;
        for (int c : codePoints) {
            String text = "a" + Character.toString(c) + "b";
            String quoted = jsonString(text);
            Map<String, String> bodies = Map.of(
                    "description", "\"description\":" + quoted,
                    "metadata key", "\"metadata\":{" + quoted + ":\"v\"}",
                    "metadata value", "\"metadata\":{\"k\":" + quoted + "}");
            for (Map.Entry<String, Pattern> field : documented.entrySet()) {
                int status = harness.post("/payments", "{\"amount\":100,\"currency\":\"USD\","
                        + "\"paymentMethod\":\"tok_visa_4242\"," + bodies.get(field.getKey()) + "}").send().status();
                boolean fileAdmits = field.getValue().matcher(text).matches();
                if (fileAdmits != (status == 201)) {
                    disagreements.add(String.format("U+%04X in %s: file %s, handler %d", c, field.getKey(),
                            fileAdmits ? "admits" : "refuses", status));
                }
                rejected += status == 201 ? 0 : 1;
            }
        }
        assertThat(disagreements).isEmpty();
        assertThat(rejected).as("sanity: both outcomes sampled").isBetween(1, codePoints.size() * 3 - 1);
    }

    /** An optional field whose type admits null is accepted as null; a required one answers 400. */
    @Test
    void documentedNullability_ofCreateFields_isWhatTheHandlerAccepts() {
        Map<String, Object> create = schema("CreatePaymentRequest");
        Map<String, Object> properties = map(create.get("properties"));
        List<Object> required = list(create.get("required"));
        HandlerHarness harness = new HandlerHarness();
        Map<String, String> valid = new LinkedHashMap<>(Map.of("amount", "100", "currency", "\"USD\"",
                "paymentMethod", "\"tok_visa_4242\""));
        List<String> disagreements = new ArrayList<>();
        for (String field : properties.keySet()) {
            Map<String, String> body = new LinkedHashMap<>(valid);
            body.put(field, "null");
            String json = body.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                    .collect(Collectors.joining(",", "{", "}"));
            int status = harness.post("/payments", json).send().status();
            Object type = resolve(map(properties.get(field))).get("type");
            boolean fileAdmitsNull = type instanceof List<?> types && types.contains("null");
            if (fileAdmitsNull != (status == 201)) {
                disagreements.add(field + ": file " + (fileAdmitsNull ? "admits" : "refuses") + " null, handler "
                        + status);
            }
            if (required.contains(field)) {
                assertThat(fileAdmitsNull).as(field + " is required, so null cannot stand for absent").isFalse();
            }
        }
        assertThat(disagreements).isEmpty();
        assertThat(properties.keySet()).as("sanity").contains("description", "metadata", "capture", "amount");
    }

    private static String jsonString(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serializes", e);
        }
    }

    private static boolean serviceAccepts(String key) {
        try {
            Idempotency.validKey(key);
            return true;
        } catch (IdempotencyException e) {
            return false;
        }
    }

    @Test
    void everyRouteButHealth_requiresTheMerchantJwt_andHealthDeclaresNoSecurity() {
        Map<String, Object> scheme = map(map(map(spec.get("components")).get("securitySchemes")).get("merchantJwt"));
        assertThat(scheme).containsEntry("type", "http").containsEntry("scheme", "bearer")
                .containsEntry("bearerFormat", "JWT");
        assertThat((String) scheme.get("description")).contains("merchant_id");

        for (String route : documentedRoutes(spec)) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1);
            Map<String, Object> operation = operation(spec, path, method);
            if (path.equals("/health")) {
                // Explicitly empty: an absent key would inherit the global JWT requirement.
                assertThat(operation).as(route).containsKey("security");
                assertThat(list(operation.get("security"))).as(route).isEmpty();
            } else {
                assertThat(effectiveSecurity(operation)).as(route).contains(Map.of("merchantJwt", List.of()));
            }
        }
    }

    private static List<Object> effectiveSecurity(Map<String, Object> operation) {
        Object security = operation.containsKey("security") ? operation.get("security") : spec.get("security");
        return security == null ? List.of() : list(security);
    }

    // ---- response bodies ----------------------------------------------------------------------------------

    @Test
    void realResponses_useOnlyFieldsTheirSchemasDeclare_andAllRequiredOnes() {
        HandlerHarness harness = new HandlerHarness();
        String id = harness.createPayment(HandlerHarness.createBody(2500, "USD", "tok_visa_4242", false));
        harness.post("/payments/" + id + "/capture", "{}").send();
        harness.post("/payments/" + id + "/refunds", "{\"amount\":1000}").send();

        Map<String, HandlerHarness.Response> samples = new LinkedHashMap<>();
        samples.put("POST /payments 201", harness.post("/payments",
                "{\"amount\":990,\"currency\":\"EUR\",\"paymentMethod\":\"tok_visa_4242\",\"description\":\"d\","
                        + "\"metadata\":{\"orderId\":\"7\"}}").send());
        samples.put("GET /payments/{id} 200", harness.get("/payments/" + id).send());
        samples.put("GET /payments 200", harness.get("/payments").query("limit", "1").send());
        samples.put("POST /payments/{id}/refunds 201", harness.post("/payments/" + id + "/refunds",
                "{\"amount\":500}").send());
        samples.put("POST /payments 400", harness.post("/payments", "{\"amount\":1.5,\"currency\":\"USD\"}").send());
        samples.put("GET /payments/{id} 404", harness.get("/payments/" + HandlerHarness.ABSENT_ID).send());
        samples.put("GET /payments 401", harness.get("/payments").claims(null).send());
        samples.put("GET /health 200", harness.get("/health").claims(null).send());
        // 405 is what the path answers for a method it lacks; the file documents it on the path's operations.
        samples.put("GET /payments/{id} 405", harness.request("DELETE", "/payments/" + id).send());
        String replayKey = harness.key();
        String body = HandlerHarness.createBody(700, "USD", "tok_visa_4242", false);
        harness.post("/payments", body).header("idempotency-key", replayKey).send();
        samples.put("POST /payments 201 (replay)", harness.post("/payments", body).header("idempotency-key", replayKey)
                .send());
        harness.tableDown = true;
        samples.put("GET /health 503", harness.get("/health").claims(null).send());
        harness.tableDown = false;
        harness.activeRegion.set("us-east-2", null);
        samples.put("POST /payments 503 (standby)", harness.post("/payments", body).send());
        harness.activeRegion.set(null, "us-east-2");
        samples.put("POST /payments/{id}/refunds 503 (fenced)", harness.post("/payments/" + id + "/refunds",
                "{\"amount\":1}").send());

        for (Map.Entry<String, HandlerHarness.Response> sample : samples.entrySet()) {
            String[] parts = sample.getKey().split(" ");
            HandlerHarness.Response response = sample.getValue();
            assertThat(response.status()).as(sample.getKey() + " " + response.body())
                    .isEqualTo(Integer.parseInt(parts[2]));
            Map<String, Object> content = responseContent(parts[1], parts[0], parts[2]);
            String mediaType = response.header("Content-Type");
            assertThat(content).as(sample.getKey() + " media type").containsKey(mediaType);
            List<String> violations = new ArrayList<>();
            conform(response.json(), map(map(content.get(mediaType)).get("schema")), "$", violations);
            assertThat(violations).as(sample.getKey() + " " + response.body()).isEmpty();
            Set<String> documentedHeaders = responseHeaders(parts[1], parts[0], parts[2]);
            SEMANTIC_HEADERS.stream().filter(h -> response.header(h) != null).forEach(h ->
                    assertThat(documentedHeaders).as(sample.getKey() + " documents header " + h).contains(h));
        }
        assertThat(samples.get("POST /payments 201 (replay)").header("Idempotent-Replayed")).as("sanity").isEqualTo("true");
        assertThat(samples.get("GET /payments/{id} 405").header("Allow")).as("sanity").isEqualTo("GET");
        assertThat(samples.get("GET /payments 200").json().get("items")).as("sanity: items were checked").hasSize(1);
        assertThat(samples.get("POST /payments 503 (standby)").json().get("activeEndpoint").asText())
                .as("sanity: the refusal names the active region's endpoint").isEqualTo("https://east2.example.test");
    }

    @Test
    void schemaConformance_detectsUndeclaredAndMissingFields() {
        HandlerHarness harness = new HandlerHarness();
        String id = harness.createPayment(HandlerHarness.createBody(2500, "USD", "tok_visa_4242", false));
        JsonNode payment = harness.get("/payments/" + id).send().json();
        Map<String, Object> schema = Map.of("$ref", "#/components/schemas/Payment");

        List<String> untouched = new ArrayList<>();
        conform(payment, schema, "$", untouched);
        assertThat(untouched).isEmpty();

        ObjectNode tampered = payment.deepCopy();
        tampered.put("cardNumber", "x");
        tampered.remove("currency");
        int added = tampered.withArray("history").size();
        tampered.withArray("history").addObject().put("to", "NOT_A_STATUS").put("at", "t");
        tampered.put("amount", "2500");
        List<String> violations = new ArrayList<>();
        conform(tampered, schema, "$", violations);

        assertThat(violations).containsExactlyInAnyOrder("$.cardNumber is not declared",
                "$.currency is required but missing", "$.history[" + added + "].to is not one of the declared values",
                "$.amount is not of type integer");
    }

    /** Field for field: the schema names exactly what JsonCodec writes, including every optional member. */
    @Test
    void paymentAndRefundSchemas_declareExactlyTheFieldsJsonCodecWrites() {
        Instant at = Instant.parse("2026-01-05T10:15:30Z");
        Refund refund = new Refund("re_1", 100, RefundStatus.FAILED, at, at, 1, "ref", "declined");
        Payment everyField = new Payment("pay_1", "m", 1000, "USD", "tok_…4242", "d", Map.of("k", "v"), false,
                PaymentStatus.FAILED, 1000, 1000, List.of(refund), new PendingCall(Operation.CAPTURE, "att_1", 1000, at, 1),
                List.of(), "ref", "do_not_honor", "timeout", List.of(new Transition(PaymentStatus.PENDING, PaymentStatus.FAILED, at, "timeout")), at, at,
                3, "us-east-1");
        JsonCodec codec = new JsonCodec();

        JsonNode payment = written(codec, codec.payment(everyField));
        assertThat(fieldNames(payment)).isEqualTo(schemaProperties("Payment"));
        assertThat(fieldNames(written(codec, codec.refund(refund)))).isEqualTo(schemaProperties("Refund"));
        assertThat(fieldNames(payment.get("history").get(0)))
                .isEqualTo(schemaProperties("Transition"));
    }

    /** What the codec puts on the wire, read back as a tree. */
    private static JsonNode written(JsonCodec codec, com.acme.payments.api.json.JsonObject object) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(codec.write(object));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> schemaProperties(String name) {
        return new TreeSet<>(map(schema(name).get("properties")).keySet());
    }

    private static Map<String, Object> responseContent(String path, String method, String status) {
        return map(response(path, method, status).get("content"));
    }

    private static Set<String> responseHeaders(String path, String method, String status) {
        Object headers = response(path, method, status).get("headers");
        return headers == null ? Set.of() : map(headers).keySet();
    }

    private static Map<String, Object> response(String path, String method, String status) {
        Map<String, Object> responses = map(operation(spec, path, method).get("responses"));
        assertThat(responses).as(method + " " + path + " documents " + status).containsKey(status);
        return resolve(map(responses.get(status)));
    }

    /**
     * A deliberately small JSON Schema check, enough for this file: $ref, type, enum, properties,
     * required, additionalProperties and array items.
     */
    private static void conform(JsonNode node, Map<String, Object> rawSchema, String where, List<String> violations) {
        Map<String, Object> schema = resolve(rawSchema);
        if (schema.containsKey("type") && !typeMatches(node, schema.get("type"))) {
            violations.add(where + " is not of type " + schema.get("type"));
            return;
        }
        if (schema.containsKey("enum") && !list(schema.get("enum")).contains(scalar(node))) {
            violations.add(where + " is not one of the declared values");
        }
        if (node.isObject()) {
            Map<String, Object> properties = schema.containsKey("properties") ? map(schema.get("properties")) : Map.of();
            Object additional = schema.getOrDefault("additionalProperties", Boolean.TRUE);
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String at = where + "." + field.getKey();
                if (properties.containsKey(field.getKey())) {
                    conform(field.getValue(), map(properties.get(field.getKey())), at, violations);
                } else if (additional instanceof Map<?, ?> additionalSchema) {
                    conform(field.getValue(), map(additionalSchema), at, violations);
                } else if (!properties.isEmpty() || Boolean.FALSE.equals(additional)) {
                    // Objects that declare their properties are closed for the contract, whatever JSON Schema
                    // would allow: an undeclared field is a field the description does not tell clients about.
                    violations.add(at + " is not declared");
                }
            }
            for (Object required : schema.containsKey("required") ? list(schema.get("required")) : List.of()) {
                if (!node.has((String) required)) {
                    violations.add(where + "." + required + " is required but missing");
                }
            }
        } else if (node.isArray() && schema.containsKey("items")) {
            for (int i = 0; i < node.size(); i++) {
                conform(node.get(i), map(schema.get("items")), where + "[" + i + "]", violations);
            }
        }
    }

    private static Object scalar(JsonNode node) {
        return node.isIntegralNumber() ? (Object) node.intValue() : node.isTextual() ? node.textValue() : node.toString();
    }

    private static boolean typeMatches(JsonNode node, Object type) {
        if (type instanceof List<?> types) {
            return types.stream().anyMatch(t -> typeMatches(node, t));
        }
        return switch ((String) type) {
            case "object" -> node.isObject();
            case "array" -> node.isArray();
            case "string" -> node.isTextual();
            case "integer" -> node.isIntegralNumber();
            case "number" -> node.isNumber();
            case "boolean" -> node.isBoolean();
            case "null" -> node.isNull();
            default -> false;
        };
    }

    // ---- document navigation ------------------------------------------------------------------------------

    private static Map<String, Object> paths(Map<String, Object> document) {
        return map(document.get("paths"));
    }

    private static Map<String, Object> pathItem(Map<String, Object> document, String path) {
        return map(paths(document).get(path));
    }

    private static Map<String, Object> operation(Map<String, Object> document, String path, String method) {
        return map(pathItem(document, path).get(method.toLowerCase(Locale.ROOT)));
    }

    /** Path-level and operation-level parameters, $refs resolved. */
    private static List<Map<String, Object>> parameters(String path, String method) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (Object p : list(pathItem(spec, path).getOrDefault("parameters", List.of()))) {
            all.add(resolve(map(p)));
        }
        for (Object p : list(operation(spec, path, method).getOrDefault("parameters", List.of()))) {
            all.add(resolve(map(p)));
        }
        return all;
    }

    private static Map<String, Object> schema(String name) {
        return map(map(map(spec.get("components")).get("schemas")).get(name));
    }

    /** Follows local {@code $ref}s ({@code #/components/...}). */
    private static Map<String, Object> resolve(Map<String, Object> node) {
        Map<String, Object> current = node;
        while (current.containsKey("$ref")) {
            String ref = (String) current.get("$ref");
            assertThat(ref).as("only local references are used").startsWith("#/");
            Object target = spec;
            for (String segment : ref.substring(2).split("/")) {
                target = map(target).get(segment);
                assertThat(target).as("$ref " + ref + " resolves").isNotNull();
            }
            current = map(target);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).as("a YAML mapping").isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        assertThat(o).as("a YAML sequence").isInstanceOf(List.class);
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(k, deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> l) {
            return (T) l.stream().map(OpenApiContractTest::deepCopy).collect(Collectors.toCollection(ArrayList::new));
        }
        return value;
    }
}
