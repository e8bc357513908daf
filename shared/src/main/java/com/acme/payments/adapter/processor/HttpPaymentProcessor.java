package com.acme.payments.adapter.processor;

import com.acme.payments.config.AppConfig;
import com.acme.payments.port.PaymentProcessor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The processor's JSON-over-HTTP API (the stub in local-runtime implements the same contract):
 * <pre>
 * POST /v1/authorizations                      {amount, currency, paymentMethod, capture}
 * POST /v1/authorizations/{ref}/capture        {amount, currency}
 * POST /v1/authorizations/{ref}/void           {}
 * POST /v1/authorizations/{ref}/refunds        {amount, currency}
 * GET  /v1/operations/{idempotencyKey}         the recorded outcome, or 404
 * </pre>
 * Answers: 2xx {@code {"status":"approved","reference":…}}, 402 {@code {"status":"declined","reason":…}},
 * anything else is a failure. Every call carries {@code X-Api-Key} and {@code Idempotency-Key}.
 *
 * <p>Outcome mapping: a connection that could not be opened means the call never left (Failed, safe to report);
 * a read timeout means it may have been processed (Unknown, reconciled later through {@code lookup}).
 */
public final class HttpPaymentProcessor implements PaymentProcessor {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private final HttpClient http;
    private final Supplier<AppConfig> config;
    private final ObjectMapper json;

    public HttpPaymentProcessor(Supplier<AppConfig> config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public Result authorize(AuthorizeRequest request) {
        ObjectNode body = json.createObjectNode().put("amount", request.amount()).put("currency", request.currency())
                .put("paymentMethod", request.paymentMethod()).put("capture", request.capture())
                .put("reference", request.paymentId());
        return post("/v1/authorizations", body, request.idempotencyKey());
    }

    @Override
    public Result capture(String reference, long amount, String currency, String idempotencyKey) {
        return post("/v1/authorizations/" + encode(reference) + "/capture",
                json.createObjectNode().put("amount", amount).put("currency", currency), idempotencyKey);
    }

    @Override
    public Result voidAuthorization(String reference, String idempotencyKey) {
        return post("/v1/authorizations/" + encode(reference) + "/void", json.createObjectNode(), idempotencyKey);
    }

    @Override
    public Result refund(String reference, long amount, String currency, String idempotencyKey) {
        return post("/v1/authorizations/" + encode(reference) + "/refunds",
                json.createObjectNode().put("amount", amount).put("currency", currency), idempotencyKey);
    }

    @Override
    public Result lookup(String idempotencyKey) {
        AppConfig cfg = config.get();
        HttpRequest request = HttpRequest.newBuilder(resolve(cfg, "/v1/operations/" + encode(idempotencyKey)))
                .timeout(cfg.processorTimeout()).header("X-Api-Key", cfg.processorApiKey()).GET().build();
        return send(request, true);
    }

    private Result post(String path, ObjectNode body, String idempotencyKey) {
        AppConfig cfg = config.get();
        HttpRequest request = HttpRequest.newBuilder(resolve(cfg, path)).timeout(cfg.processorTimeout())
                .header("Content-Type", "application/json").header("X-Api-Key", cfg.processorApiKey())
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return send(request, false);
    }

    private Result send(HttpRequest request, boolean lookup) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return interpret(response.statusCode(), response.body(), lookup);
        } catch (HttpConnectTimeoutException | ConnectException e) {
            return lookup ? new Result.Unknown("processor unreachable") : new Result.Failed("processor unreachable");
        } catch (HttpTimeoutException e) {
            return new Result.Unknown("processor did not answer in time");
        } catch (IOException e) {
            // The connection broke after the request may have been written: the outcome is unknown.
            return new Result.Unknown("processor connection failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result.Unknown("interrupted while waiting for the processor");
        }
    }

    private Result interpret(int status, String body, boolean lookup) {
        if (lookup && status == 404) {
            return new Result.NotFound();
        }
        JsonNode node = parse(body);
        if (status >= 200 && status < 300) {
            String state = node.path("status").asText("");
            if ("declined".equals(state)) {
                return new Result.Declined(node.path("reason").asText("declined"));
            }
            if ("failed".equals(state)) {
                return new Result.Failed(node.path("reason").asText("failed"));
            }
            return new Result.Approved(node.path("reference").asText(null));
        }
        if (status == 402) {
            return new Result.Declined(node.path("reason").asText("declined"));
        }
        if (lookup) {
            return new Result.Unknown("processor lookup answered HTTP " + status);
        }
        return new Result.Failed("processor answered HTTP " + status);
    }

    private JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? json.createObjectNode() : json.readTree(body);
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }

    private static URI resolve(AppConfig cfg, String path) {
        String base = cfg.processorEndpoint().toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }
}
