package com.acme.payments.function;

import com.acme.payments.api.HandlerHarness;
import com.acme.payments.api.HandlerHarness.Response;
import com.acme.payments.api.Route;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code events/*.json} files that {@code sam local invoke} and {@code make invoke} use are valid inputs: each
 * deserializes strictly into the Lambda event class and gets the documented answer from the real handler.
 */
class EventFixturesTest {
    /** The id the path events carry; {@code make invoke PAYMENT_ID=…} rewrites it, and so does this test. */
    static final String FIXED_ID = "pay_0192f7e0-0000-7000-8000-000000000001";
    private static final Path EVENTS = repositoryRoot().resolve("events");
    /**
     * The Lambda runtime ignores unknown fields; this mapper does not, so a misspelt field in a fixture (which the
     * runtime would silently drop) fails here. The event classes are Lombok beans: Jackson's default bean naming
     * maps {@code getIsBase64Encoded}/{@code setIsBase64Encoded} to {@code isBase64Encoded}, as in the payload.
     */
    private static final ObjectMapper EVENT_MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        harness = new HandlerHarness();
    }

    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
    }

    static Stream<String> eventFiles() throws IOException {
        try (Stream<Path> files = Files.list(EVENTS)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !n.equals("env.json")).sorted().toList().stream();
        }
    }

    // ---- shape -------------------------------------------------------------------------------------------

    @Test
    void eventDirectory_holdsExactlyTheFixturesThisTestCovers() throws IOException {
        List<String> files = eventFiles().toList();

        assertThat(files).containsExactlyInAnyOrder("cancel.json", "capture.json", "create-capture.json",
                "create-declined.json", "create-invalid.json", "create-pan.json", "create-replay.json", "create.json",
                "get.json", "health.json", "list.json", "refund.json", "unauthenticated.json");
    }

    @ParameterizedTest
    @MethodSource("eventFiles")
    void everyFixture_isAStrictHttpApiV2Event(String file) {
        APIGatewayV2HTTPEvent event = load(file);
        var http = event.getRequestContext().getHttp();

        assertThat(event.getVersion()).isEqualTo("2.0");
        assertThat(event.getIsBase64Encoded()).isFalse();
        assertThat(http.getPath()).isEqualTo(event.getRawPath());
        assertThat(event.getRequestContext().getRequestId()).isNotBlank();
        // The route key of the matched route: "<METHOD> <template>", the template matching the raw path.
        assertThat(event.getRouteKey()).isEqualTo(event.getRequestContext().getRouteKey())
                .startsWith(http.getMethod() + " ");
        String template = event.getRouteKey().substring(http.getMethod().length() + 1);
        assertThat(event.getRawPath()).isEqualTo(template.replace("{id}", FIXED_ID));
        if (template.contains("{id}")) {
            assertThat(event.getPathParameters()).containsEntry("id", FIXED_ID);
        }
        // The route key is the key of the Route the handler resolves the event to (one route table).
        assertThat(Route.resolve(http.getMethod(), event.getRawPath())).isInstanceOfSatisfying(
                Route.Resolution.Found.class, found -> assertThat(found.route().key()).isEqualTo(event.getRouteKey()));
        if (event.getRawQueryString().isEmpty()) {
            assertThat(event.getQueryStringParameters()).isNull();
        }
        if ("POST".equals(http.getMethod())) {
            assertThat(event.getHeaders()).containsKey("idempotency-key").containsEntry("content-type", "application/json");
            assertThat(event.getHeaders().get("content-length"))
                    .isEqualTo(String.valueOf(event.getBody().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
        }
        var authorizer = event.getRequestContext().getAuthorizer();
        switch (file) {
            case "health.json" -> assertThat(authorizer).isNull();
            case "unauthenticated.json" -> assertThat(authorizer.getJwt().getClaims()).doesNotContainKey("merchant_id");
            default -> {
                assertThat(authorizer.getJwt().getClaims()).containsEntry("merchant_id", HandlerHarness.MERCHANT);
                assertThat(authorizer.getJwt().getScopes()).isNotEmpty();
            }
        }
    }

    @Test
    void strictLoading_rejectsAMisspeltField() {
        String misspelt = read("create.json").replace("\"isBase64Encoded\"", "\"isBase64encoded\"");

        assertThatThrownBy(() -> EVENT_MAPPER.readValue(misspelt, APIGatewayV2HTTPEvent.class))
                .isInstanceOf(UnrecognizedPropertyException.class);
    }

    @Test
    void envFile_setsTheFunctionEnvironmentForSamLocalInvoke() throws IOException {
        JsonNode env = EVENT_MAPPER.readTree(EVENTS.resolve("env.json").toFile()).get("PaymentFunction");

        assertThat(env.get(FunctionWiring.TABLE_NAME).asText()).isEqualTo("payments-dev");
        assertThat(env.get(FunctionWiring.PARAMETER_PATH).asText()).isEqualTo("/payments/dev/");
        assertThat(env.get(FunctionWiring.REGION_ROLE).asText()).isEqualTo("primary");
        assertThat(env.get(FunctionWiring.MERCHANT_CLAIM).asText()).isEqualTo("merchant_id");
        assertThat(env.get("AWS_ENDPOINT_URL").asText()).isEqualTo("http://host.docker.internal:4566");
    }

    // ---- through the handler -----------------------------------------------------------------------------

    @Test
    void create_answers201WithTheNewPaymentsLocation() {
        Response r = send("create.json");

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode payment = r.json();
        assertThat(r.header("Location")).isEqualTo("/payments/" + payment.get("id").asText());
        assertThat(payment.get("status").asText()).isEqualTo("AUTHORIZED");
        assertThat(payment.get("amount").asLong()).isEqualTo(2500);
        assertThat(payment.get("paymentMethod").asText()).isEqualTo("tok_…4242");
    }

    @Test
    void createReplay_afterCreate_answersTheStoredResponseMarkedAsReplayed() {
        Response first = send("create.json");
        Response replay = send("create-replay.json");

        assertThat(replay.status()).isEqualTo(first.status());
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.header("Location")).isEqualTo(first.header("Location"));
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(harness.get("/payments").send().json().get("items")).as("one payment, not two").hasSize(1);
    }

    @Test
    void createCapture_answers201Captured() {
        Response r = send("create-capture.json");

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.json().get("status").asText()).isEqualTo("CAPTURED");
        assertThat(r.json().get("capturedAmount").asLong()).isEqualTo(4200);
    }

    /**
     * A JSON type error (the fractional amount) and a rule error (the lowercase currency, from the command) are
     * reported together, one per field; with the amount repaired only the currency is left.
     */
    @Test
    void createInvalid_answers400NamingTheAmountAndTheCurrency_andOnlyTheCurrencyOnceTheAmountIsAnInteger() {
        Response asIs = send("create-invalid.json");
        Response amountRepaired = sendText(read("create-invalid.json").replace("25.5", "2550"));

        assertThat(asIs.status()).isEqualTo(400);
        assertThat(asIs.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(asIs.errorFields()).containsExactlyInAnyOrder("amount", "currency");
        assertThat(amountRepaired.status()).isEqualTo(400);
        assertThat(amountRepaired.errorFields()).containsExactly("currency");
    }

    @Test
    void createDeclined_answers402NamingTheDeclinedPayment() {
        Response r = send("create-declined.json");

        assertThat(r.status()).as(r.toString()).isEqualTo(402);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
        String paymentId = r.json().get("paymentId").asText();
        assertThat(r.header("Location")).isEqualTo("/payments/" + paymentId);
        assertThat(harness.get("/payments/" + paymentId).send().json().get("status").asText()).isEqualTo("DECLINED");
    }

    @Test
    void createPan_answers400WithoutTheCardNumberAnywhere() {
        Response r = send("create-pan.json");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorFields()).containsExactly("description");
        String everything = r.body() + r.headers();
        assertThat(everything.replaceAll("[^0-9]", "")).doesNotContain("4111111111111111");
        assertThat(everything).doesNotContain("4111 1111", "1111 1111");
    }

    @Test
    void health_answers200WithoutAnAuthorizer() {
        Response r = send("health.json");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
    }

    @Test
    void unauthenticated_answers401() {
        Response r = send("unauthenticated.json");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
    }

    @Test
    void list_answers200WithTheMerchantsPayments() {
        send("create.json");
        send("create-capture.json");

        Response r = send("list.json");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("items")).hasSize(2);
        assertThat(r.json().get("nextCursor").isNull()).isTrue();
    }

    @Test
    void get_onACreatedPayment_answers200() {
        String id = idOf(send("create.json"));

        Response r = sendFor("get.json", id);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("id").asText()).isEqualTo(id);
    }

    @Test
    void capture_onAnAuthorizedPayment_answers200Captured() {
        String id = idOf(send("create.json"));

        Response r = sendFor("capture.json", id);

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("CAPTURED");
        assertThat(r.json().get("capturedAmount").asLong()).isEqualTo(2500);
    }

    @Test
    void refund_onACapturedPayment_answers201() {
        String id = idOf(send("create-capture.json"));

        Response r = sendFor("refund.json", id);

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.json().get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(r.json().get("amount").asLong()).isEqualTo(1000);
        assertThat(r.json().at("/payment/status").asText()).isEqualTo("PARTIALLY_REFUNDED");
        assertThat(r.header("Location")).isEqualTo("/payments/" + id);
    }

    @Test
    void cancel_onAnAuthorizedPayment_answers200Canceled() {
        String id = idOf(send("create.json"));

        Response r = sendFor("cancel.json", id);

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("CANCELED");
    }

    @ParameterizedTest
    @MethodSource("pathEvents")
    void pathEvents_withoutTheIdRewritten_answer404(String file) {
        send("create.json");

        assertThat(send(file).status()).isEqualTo(404);
    }

    static List<String> pathEvents() {
        return List.of("get.json", "capture.json", "refund.json", "cancel.json");
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private Response send(String file) {
        return harness.send(load(file));
    }

    /** The event with the fixed payment id replaced, exactly as {@code make invoke PAYMENT_ID=…} does. */
    private Response sendFor(String file, String paymentId) {
        String text = read(file);
        assertThat(text).contains(FIXED_ID);
        return sendText(text.replace(FIXED_ID, paymentId));
    }

    private Response sendText(String eventJson) {
        try {
            return harness.send(EVENT_MAPPER.readValue(eventJson, APIGatewayV2HTTPEvent.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String idOf(Response created) {
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().get("id").asText();
    }

    private static APIGatewayV2HTTPEvent load(String file) {
        try {
            return EVENT_MAPPER.readValue(read(file), APIGatewayV2HTTPEvent.class);
        } catch (IOException e) {
            throw new UncheckedIOException(file, e);
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(EVENTS.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
