package com.acme.payments.adapter.processor;

import com.acme.payments.config.AppConfig;
import com.acme.payments.port.PaymentProcessor;

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
import java.util.Map;
import java.util.function.Supplier;

/**
 * The processor's JSON-over-HTTP API (the stub in local-runtime implements the same contract):
 * <pre>
 * POST /v1/authorizations                      {amount, currency, paymentMethod, capture}
 * POST /v1/authorizations/{ref}/capture        {amount, currency}
 * POST /v1/authorizations/{ref}/void           {}
 * POST /v1/authorizations/{ref}/refunds        {amount, currency}
 * GET  /v1/operations/{idempotencyKey}         the recorded outcome, or 404 {"status":"not_found"}
 * </pre>
 * Answers: 2xx {@code {"status":"approved","reference":…}}, 402 {@code {"status":"declined","reason":…}},
 * 4xx/5xx {@code {"status":"failed","reason":…}} when the processor did nothing; see {@link #interpret} for how
 * everything else is read (as unknown). Every call carries {@code X-Api-Key} and {@code Idempotency-Key}.
 *
 * <p>Outcome mapping: a connection that could not be opened means the call never left (Failed, safe to report);
 * a read timeout means it may have been processed (Unknown, reconciled later through {@code lookup}).
 */
public final class HttpPaymentProcessor implements PaymentProcessor {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private final HttpClient http;
    private final Supplier<AppConfig> config;

    public HttpPaymentProcessor(Supplier<AppConfig> config) {
        this.config = config;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public Result authorize(AuthorizeRequest request) {
        String body = ProcessorJson.object("amount", request.amount(), "currency", request.currency(),
                "paymentMethod", request.paymentMethod(), "capture", request.capture(), "reference", request.paymentId());
        return post("/v1/authorizations", body, request.idempotencyKey());
    }

    @Override
    public Result capture(String reference, long amount, String currency, String idempotencyKey) {
        return post("/v1/authorizations/" + encode(reference) + "/capture",
                ProcessorJson.object("amount", amount, "currency", currency), idempotencyKey);
    }

    @Override
    public Result voidAuthorization(String reference, String idempotencyKey) {
        return post("/v1/authorizations/" + encode(reference) + "/void", ProcessorJson.object(), idempotencyKey);
    }

    @Override
    public Result refund(String reference, long amount, String currency, String idempotencyKey) {
        return post("/v1/authorizations/" + encode(reference) + "/refunds",
                ProcessorJson.object("amount", amount, "currency", currency), idempotencyKey);
    }

    @Override
    public Result lookup(String idempotencyKey) {
        AppConfig cfg = config.get();
        HttpRequest request = HttpRequest.newBuilder(resolve(cfg, "/v1/operations/" + encode(idempotencyKey)))
                .timeout(cfg.processorTimeout()).header("X-Api-Key", cfg.processorApiKey()).GET().build();
        return send(request, true);
    }

    private Result post(String path, String body, String idempotencyKey) {
        AppConfig cfg = config.get();
        HttpRequest request = HttpRequest.newBuilder(resolve(cfg, path)).timeout(cfg.processorTimeout())
                .header("Content-Type", "application/json").header("X-Api-Key", cfg.processorApiKey())
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return send(request, false);
    }

    private Result send(HttpRequest request, boolean lookup) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return interpret(response.statusCode(), response.body(), lookup);
        } catch (HttpConnectTimeoutException | ConnectException e) {
            // The connection was never opened, so the request never left: nothing can have happened.
            return lookup ? new Result.Unknown("processor unreachable") : new Result.NotSent("processor unreachable");
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

    /**
     * Fails closed: only the processor's own, well-formed answer is definitive. The JSON {@code status} decides,
     * and it must agree with the HTTP status: {@code approved} (with a reference) on a 2xx, {@code declined} on a
     * 2xx or 402, {@code failed} on a 4xx/5xx other than 409 for a call (the processor saying it did nothing), and,
     * for a lookup, the recorded {@code failed} on a 2xx or {@code not_found} on a 404. Anything else (an
     * unparsable body, an HTML page from a proxy, a 502/503/504 from a load balancer that may have forwarded the
     * call, a 409 "key in use", {@code pending}, a lookup's own {@code failed} on a 4xx/5xx) is
     * {@link Result.Unknown}: reconciled later, never guessed. Processor-supplied text (references, reasons) is
     * cut to {@link #MAX_TEXT} plain characters, and a token or card number in it is dropped, so it can neither
     * grow our items nor carry secrets into logs, items or answers.
     */
    static Result interpret(int httpStatus, String body, boolean lookup) {
        Map<String, String> answer = ProcessorJson.parseFlatObject(body);
        String state = answer == null ? null : answer.get("status");
        if (state == null) {
            return new Result.Unknown("processor answered HTTP " + httpStatus + " without a readable status");
        }
        boolean ok = httpStatus >= 200 && httpStatus < 300;
        boolean refused = httpStatus >= 400 && httpStatus < 600 && httpStatus != 409 && httpStatus != 402;
        String reference = plain(answer.get("reference"));
        String reason = plain(answer.getOrDefault("reason", state));
        if (reason == null || reason.isEmpty()) {
            reason = "unspecified";
        }
        return switch (state) {
            case "approved" -> ok && reference != null && !reference.isBlank() ? new Result.Approved(reference)
                    : new Result.Unknown("approval without a reference or on HTTP " + httpStatus);
            case "declined" -> ok || httpStatus == 402 ? new Result.Declined(reason)
                    : new Result.Unknown("decline on HTTP " + httpStatus);
            // A lookup's HTTP status is the lookup's own: its "failed" (a wrong API key, an outage) says that the
            // lookup did nothing, not that the call it asks about failed.
            case "failed" -> (lookup ? ok : refused) ? new Result.Failed(reason)
                    : new Result.Unknown("failure on HTTP " + httpStatus);
            case "not_found" -> lookup && httpStatus == 404 ? new Result.NotFound()
                    : new Result.Unknown("not_found on HTTP " + httpStatus);
            default -> new Result.Unknown("processor status '" + safe(state) + "' on HTTP " + httpStatus);
        };
    }

    /** The longest processor-supplied text we keep. */
    static final int MAX_TEXT = 128;

    /** Processor text reduced to plain characters and {@link #MAX_TEXT}; null or blank stays null. */
    static String plain(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_TEXT));
        for (int i = 0; i < text.length() && out.length() < MAX_TEXT; i++) {
            char c = text.charAt(i);
            out.append(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "_-.:/ ".indexOf(c) >= 0
                    ? c : '?');
        }
        String cut = out.toString();
        return com.acme.payments.domain.PanDetector.containsPan(cut)
                || com.acme.payments.domain.PaymentMethodToken.appearsIn(cut) ? "redacted" : cut;
    }

    private static String safe(String state) {
        return state.length() <= 20 && state.chars().allMatch(c -> c >= 'a' && c <= 'z' || c == '_') ? state : "?";
    }

    private static URI resolve(AppConfig cfg, String path) {
        String base = cfg.processorEndpoint().toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
    }

    private static String encode(String value) {
        if (value == null || value.isBlank()) {
            // Never post to /v1/authorizations//capture: a call without its reference is a bug, not a request.
            throw new IllegalStateException("processor call without a reference or key");
        }
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
