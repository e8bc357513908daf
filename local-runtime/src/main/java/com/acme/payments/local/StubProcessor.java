package com.acme.payments.local;

import com.acme.payments.processordouble.InMemoryProcessor;
import com.acme.payments.processordouble.InMemoryProcessor.Answer;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.processordouble.InMemoryProcessor.Outcome;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The processor model ({@link InMemoryProcessor}, the same one behind the unit tests' {@code FakeProcessor})
 * served over HTTP with the contract of {@code HttpPaymentProcessor}, for the local loop and the ITs:
 * <pre>
 * POST /v1/authorizations                      {amount, currency, paymentMethod, capture, reference}
 * POST /v1/authorizations/{ref}/capture        {amount, currency}
 * POST /v1/authorizations/{ref}/void           {}
 * POST /v1/authorizations/{ref}/refunds        {amount, currency}
 * GET  /v1/operations/{idempotencyKey}         the recorded outcome, or 404
 * </pre>
 * Only the translation lives here: approved is 200 {@code {"status":"approved","reference":…}}, declined 402
 * {@code {"status":"declined","reason":…}}; failures (nothing recorded) are 500 ({@code processor_error}), 503
 * ({@code processor_unavailable}) or 404 ({@code unknown_authorization}); a late answer (the {@code tok_timeout…}
 * token, a scripted timeout) is sent after {@link #slowMillis}, later than any client timeout; a lookup while lookups
 * are unavailable is a 503 without a processor status, as a load balancer would answer. Calls need
 * {@code X-Api-Key}; POSTs need {@code Idempotency-Key}.
 *
 * <p>For tests and by hand: {@code GET /_stats} counts distinct money movements and requests; {@code GET /_ledger}
 * lists every approved authorization once (its idempotency key, the caller's payment id, amount and currency; no
 * token), which the outage drill reads to count charges per request;
 * {@code POST /_control} takes {@code {"nextFollowUp": "decline"|"error"|"timeout", "slowMillis": n,
 * "lookupsUnavailable": bool}}.
 */
public final class StubProcessor implements AutoCloseable {
    private static final String OPERATIONS = "/v1/operations/";
    private static final String AUTHORIZATIONS = "/v1/authorizations";

    private final HttpServer server;
    private final ObjectMapper json = new ObjectMapper();
    private final Set<String> apiKeys;
    private final InMemoryProcessor processor = new InMemoryProcessor();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile long slowMillis = 10_000;

    /** @param apiKeys accepted keys (each region seeds its own SecureString) */
    public StubProcessor(String host, int port, Set<String> apiKeys) throws IOException {
        this.apiKeys = Set.copyOf(apiKeys);
        warmUp();
        this.server = HttpServer.create(new InetSocketAddress(host, port), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::dispatch);
        server.start();
        answersOverHttp();
    }

    /**
     * One request to itself before the stub is handed out: proves it answers, and takes the first-request cost of
     * the HTTP server and of the JDK's HTTP client (which the handler under test shares when it runs in this JVM)
     * out of the first real call. Not counted in {@link #requests()}.
     */
    private void answersOverHttp() throws IOException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            int status = http.send(HttpRequest.newBuilder(URI.create(url() + "/_stats"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status != 200) {
                throw new IOException("stub processor answered its own check with HTTP " + status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while checking the stub processor", e);
        } catch (IOException e) {
            close();
            throw e;
        }
        requests.set(0);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** How late a late answer is sent. */
    public void slowMillis(long millis) {
        this.slowMillis = millis;
    }

    /** The model behind the HTTP API: scripting and observations beyond the ones passed through below. */
    public InMemoryProcessor model() {
        return processor;
    }

    public int authorizations() {
        return processor.authorizations();
    }

    public int captures() {
        return processor.captures();
    }

    public int refunds() {
        return processor.refunds();
    }

    /** HTTP requests received, of any kind. */
    public int requests() {
        return requests.get();
    }

    /** Makes the next capture, void or refund {@code decline}, {@code error} or {@code timeout}. */
    public void failNextFollowUp(String mode) {
        processor.failNextFollowUp(FollowUpFailure.valueOf(mode.toUpperCase(Locale.ROOT)));
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/_stats")) {
                send(exchange, 200, stats());
                return;
            }
            if (path.equals("/_ledger")) {
                send(exchange, 200, ledger());
                return;
            }
            if (path.equals("/_control") && method.equals("POST")) {
                try {
                    control(json.readTree(exchange.getRequestBody().readAllBytes()));
                } catch (IllegalArgumentException unknownMode) {
                    send(exchange, 400, failure("nextFollowUp must be decline, error or timeout"));
                    return;
                }
                send(exchange, 204, null);
                return;
            }
            if (!apiKeys.contains(String.valueOf(exchange.getRequestHeaders().getFirst("X-Api-Key")))) {
                send(exchange, 401, failure("bad_api_key"));
                return;
            }
            if (method.equals("GET") && path.startsWith(OPERATIONS)) {
                answer(exchange, processor.lookup(decode(path.substring(OPERATIONS.length()))));
                return;
            }
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            if (!method.equals("POST") || key == null) {
                send(exchange, 400, failure("bad_request"));
                return;
            }
            JsonNode body = json.readTree(exchange.getRequestBody().readAllBytes());
            Answer answer = operation(path, key, body == null ? json.createObjectNode() : body);
            if (answer == null) {
                send(exchange, 404, failure("no_such_operation"));
                return;
            }
            if (answer.late()) {
                sleep(slowMillis);
            }
            answer(exchange, answer);
        }
    }

    /** Every authorization the model recorded as approved, once per idempotency key (a money movement each). */
    private ObjectNode ledger() {
        ObjectNode n = json.createObjectNode();
        var entries = n.putArray("authorizations");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (InMemoryProcessor.Call call : processor.calls(InMemoryProcessor.Kind.AUTHORIZE)) {
            if (seen.add(call.idempotencyKey())
                    && processor.recorded(call.idempotencyKey()) instanceof InMemoryProcessor.Outcome.Approved a) {
                entries.addObject().put("idempotencyKey", call.idempotencyKey()).put("paymentId", call.reference())
                        .put("amount", call.amount()).put("reference", a.reference());
            }
        }
        return n;
    }

    /** The model call a path names, or null when it names none. */
    private Answer operation(String path, String key, JsonNode body) {
        if (path.equals(AUTHORIZATIONS)) {
            return processor.authorize(key, body.path("reference").asText(null), body.path("amount").asLong(),
                    body.path("currency").asText(null), body.path("paymentMethod").asText(""),
                    body.path("capture").asBoolean(false));
        }
        // /v1/authorizations/{ref}/{capture|void|refunds}
        String[] parts = path.split("/");
        if (parts.length != 5 || !path.startsWith(AUTHORIZATIONS + "/")) {
            return null;
        }
        String authorization = decode(parts[3]);
        long amount = body.path("amount").asLong();
        String currency = body.path("currency").asText(null);
        return switch (parts[4]) {
            case "capture" -> processor.capture(authorization, amount, currency, key);
            case "void" -> processor.voidAuthorization(authorization, key);
            case "refunds" -> processor.refund(authorization, amount, currency, key);
            default -> null;
        };
    }

    private record Reply(int status, ObjectNode body) { }

    private void answer(HttpExchange exchange, Answer answer) throws IOException {
        Reply reply = reply(answer.outcome());
        send(exchange, reply.status(), reply.body());
    }

    private Reply reply(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Approved a -> new Reply(200,
                    json.createObjectNode().put("status", "approved").put("reference", a.reference()));
            case Outcome.Declined d -> new Reply(402,
                    json.createObjectNode().put("status", "declined").put("reason", d.reason()));
            case Outcome.Failed f -> new Reply(statusOf(f), failure(f.reason()));
            case Outcome.NotFound n -> new Reply(404, json.createObjectNode().put("status", "not_found"));
            // What a load balancer in front of a processor that is down answers: no word from the processor itself.
            case Outcome.Unavailable u -> new Reply(503, json.createObjectNode().put("message", "Service Unavailable"));
        };
    }

    /**
     * Runs every answer path once on a throwaway model, so the first real call is not the one that pays for class
     * loading, the first random UUID and JSON writing: tests give the processor client timeouts of well under a
     * second, and a cold first answer on a busy machine would read as a timeout.
     */
    private void warmUp() throws IOException {
        InMemoryProcessor scratch = new InMemoryProcessor();
        Outcome approved = scratch.authorize("warm-1", "warm", 1, "USD", "tok_warm", false).outcome();
        String reference = ((Outcome.Approved) approved).reference();
        List<Outcome> outcomes = List.of(approved, scratch.capture(reference, 1, "USD", "warm-2").outcome(),
                scratch.authorize("warm-3", "warm", 1, "USD", "tok_decline", false).outcome(),
                scratch.authorize("warm-4", "warm", 1, "USD", "tok_error", false).outcome(),
                scratch.lookup("warm-5").outcome(), new Outcome.Unavailable());
        for (Outcome outcome : outcomes) {
            json.writeValueAsBytes(reply(outcome).body());
        }
        json.readTree("{\"amount\":1,\"currency\":\"USD\"}".getBytes(StandardCharsets.UTF_8));
    }

    private static int statusOf(Outcome.Failed failed) {
        return switch (failed.reason()) {
            case InMemoryProcessor.PROCESSOR_UNAVAILABLE -> 503;
            case InMemoryProcessor.UNKNOWN_AUTHORIZATION -> 404;
            default -> 500;
        };
    }

    private ObjectNode failure(String reason) {
        return json.createObjectNode().put("status", "failed").put("reason", reason);
    }

    private ObjectNode stats() {
        return json.createObjectNode().put("authorizations", processor.authorizations())
                .put("captures", processor.captures()).put("refunds", processor.refunds())
                .put("voids", processor.voids()).put("refundedAmount", processor.refundedAmount())
                .put("requests", requests.get());
    }

    private void control(JsonNode body) {
        if (body == null) {
            return;
        }
        if (body.hasNonNull("nextFollowUp")) {
            failNextFollowUp(body.get("nextFollowUp").asText());
        }
        if (body.has("slowMillis")) {
            slowMillis = body.get("slowMillis").asLong();
        }
        if (body.has("lookupsUnavailable")) {
            processor.lookupsUnavailable(body.get("lookupsUnavailable").asBoolean());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
