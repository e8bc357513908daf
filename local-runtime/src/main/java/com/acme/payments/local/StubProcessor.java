package com.acme.payments.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A card processor for tests and the local loop, speaking the contract of {@code HttpPaymentProcessor}.
 * Approves by default; the payment-method token picks another behaviour:
 * <ul>
 *   <li>{@code tok_decline…} — 402 declined ({@code card_declined});</li>
 *   <li>{@code tok_error…} — 500, nothing recorded (the call may be retried);</li>
 *   <li>{@code tok_timeout…} — approves and records the charge, but answers only after {@link #slowMillis}, later
 *       than any client timeout: the classic "charged but the answer was lost" case, resolved by lookup.</li>
 * </ul>
 * Like a real processor it is idempotent per {@code Idempotency-Key}: a repeated key returns the first answer and
 * moves no money. {@code GET /_stats} counts distinct money movements; {@code GET /_ledger} lists every approved
 * authorization (its idempotency key, our payment id, amount, currency; no token); {@code POST /_control} scripts the next
 * capture/refund/void to {@code decline}, {@code error} or {@code timeout}. Rejects calls without the API key.
 */
public final class StubProcessor implements AutoCloseable {
    private final HttpServer server;
    private final ObjectMapper json = new ObjectMapper();
    private final java.util.Set<String> apiKeys;
    private final Map<String, ObjectNode> operations = new ConcurrentHashMap<>();
    private final Map<String, String> authorizationStatus = new ConcurrentHashMap<>();
    private final AtomicInteger authorizations = new AtomicInteger();
    private final java.util.Queue<ObjectNode> ledger = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicInteger captures = new AtomicInteger();
    private final AtomicInteger refunds = new AtomicInteger();
    private final AtomicInteger voids = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicReference<String> nextFollowUp = new AtomicReference<>();
    private volatile long slowMillis = 10_000;

    /** @param apiKeys accepted keys (each region seeds its own SecureString) */
    public StubProcessor(String host, int port, java.util.Set<String> apiKeys) throws IOException {
        this.apiKeys = java.util.Set.copyOf(apiKeys);
        this.server = HttpServer.create(new InetSocketAddress(host, port), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::dispatch);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public void slowMillis(long millis) {
        this.slowMillis = millis;
    }

    public int authorizations() {
        return authorizations.get();
    }

    public int captures() {
        return captures.get();
    }

    public int refunds() {
        return refunds.get();
    }

    public int requests() {
        return requests.get();
    }

    /** Makes the next capture, void or refund {@code decline}, {@code error} or {@code timeout}. */
    public void failNextFollowUp(String mode) {
        nextFollowUp.set(mode);
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/_stats")) {
                send(exchange, 200, json.createObjectNode().put("authorizations", authorizations.get())
                        .put("captures", captures.get()).put("refunds", refunds.get()).put("voids", voids.get())
                        .put("requests", requests.get()));
                return;
            }
            if (path.equals("/_ledger")) {
                var entries = json.createArrayNode();
                ledger.forEach(entries::add);
                send(exchange, 200, json.createObjectNode().set("authorizations", entries));
                return;
            }
            if (path.equals("/_control") && method.equals("POST")) {
                JsonNode body = json.readTree(read(exchange.getRequestBody()));
                nextFollowUp.set(body.path("nextFollowUp").asText(null));
                if (body.has("slowMillis")) {
                    slowMillis = body.get("slowMillis").asLong();
                }
                send(exchange, 204, null);
                return;
            }
            if (!apiKeys.contains(String.valueOf(exchange.getRequestHeaders().getFirst("X-Api-Key")))) {
                send(exchange, 401, json.createObjectNode().put("status", "failed").put("reason", "bad_api_key"));
                return;
            }
            if (method.equals("GET") && path.startsWith("/v1/operations/")) {
                ObjectNode recorded = operations.get(decode(path.substring("/v1/operations/".length())));
                send(exchange, recorded == null ? 404 : 200, recorded == null
                        ? json.createObjectNode().put("status", "not_found") : recorded);
                return;
            }
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            if (!method.equals("POST") || key == null) {
                send(exchange, 400, json.createObjectNode().put("status", "failed").put("reason", "bad_request"));
                return;
            }
            JsonNode body = json.readTree(read(exchange.getRequestBody()));
            ObjectNode previous = operations.get(key);
            if (previous != null) {
                send(exchange, statusOf(previous), previous);
                return;
            }
            handleOperation(exchange, path, key, body);
        }
    }

    private void handleOperation(HttpExchange exchange, String path, String key, JsonNode body) throws IOException {
        if (path.equals("/v1/authorizations")) {
            String token = body.path("paymentMethod").asText("");
            if (token.startsWith("tok_error")) {
                send(exchange, 500, json.createObjectNode().put("status", "failed").put("reason", "processor_error"));
                return;
            }
            ObjectNode result = token.startsWith("tok_decline")
                    ? declined("card_declined")
                    : approved("auth_" + UUID.randomUUID());
            ObjectNode winner = operations.putIfAbsent(key, result);
            if (winner == null && "approved".equals(result.get("status").asText())) {
                authorizations.incrementAndGet();
                ledger.add(json.createObjectNode().put("idempotencyKey", key)
                        .put("paymentId", body.path("reference").asText(null))
                        .put("amount", body.path("amount").asLong()).put("currency", body.path("currency").asText()));
                authorizationStatus.put(result.get("reference").asText(),
                        body.path("capture").asBoolean(false) ? "captured" : "authorized");
            }
            ObjectNode answer = winner == null ? result : winner;
            if (token.startsWith("tok_timeout")) {
                sleep(slowMillis);
            }
            send(exchange, statusOf(answer), answer);
            return;
        }
        String[] parts = path.split("/");
        // /v1/authorizations/{ref}/{capture|void|refunds}
        if (parts.length != 5 || !authorizationStatus.containsKey(decode(parts[3]))) {
            send(exchange, 404, json.createObjectNode().put("status", "failed").put("reason", "unknown_authorization"));
            return;
        }
        String mode = nextFollowUp.getAndSet(null);
        if ("error".equals(mode)) {
            send(exchange, 503, json.createObjectNode().put("status", "failed").put("reason", "processor_unavailable"));
            return;
        }
        ObjectNode result = "decline".equals(mode) ? declined("do_not_honor")
                : approved(parts[4].substring(0, 2) + "_" + UUID.randomUUID());
        ObjectNode winner = operations.putIfAbsent(key, result);
        if (winner == null && "approved".equals(result.get("status").asText())) {
            switch (parts[4]) {
                case "capture" -> captures.incrementAndGet();
                case "refunds" -> refunds.incrementAndGet();
                case "void" -> voids.incrementAndGet();
                default -> { }
            }
        }
        if ("timeout".equals(mode)) {
            sleep(slowMillis);
        }
        ObjectNode answer = winner == null ? result : winner;
        send(exchange, statusOf(answer), answer);
    }

    private ObjectNode approved(String reference) {
        return json.createObjectNode().put("status", "approved").put("reference", reference);
    }

    private ObjectNode declined(String reason) {
        return json.createObjectNode().put("status", "declined").put("reason", reason);
    }

    private static int statusOf(ObjectNode result) {
        return "declined".equals(result.path("status").asText()) ? 402 : 200;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
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
