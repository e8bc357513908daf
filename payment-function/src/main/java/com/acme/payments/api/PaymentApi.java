package com.acme.payments.api;

import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;

import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.api.json.JsonArray;
import com.acme.payments.api.json.JsonObject;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.logging.StructuredLog;
import com.acme.payments.port.IdGenerator;
import com.acme.payments.port.IdGenerator.RequestScope;
import com.acme.payments.port.PaymentStore;
import com.acme.payments.service.CreatePaymentCommand;
import com.acme.payments.service.PaymentService;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The HTTP edge: resolves the {@link Route}, authenticates, parses and validates the body into a command, runs
 * write routes inside the {@link Idempotency} decorator, calls one service method and maps the result (or the
 * exception, through {@link ErrorMapper}) to an HTTP answer. Data walks one way: nothing below calls back up.
 */
public final class PaymentApi {
    private static final Pattern MERCHANT_ID = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");
    private static final int MAX_HEADER_VALUE = 1024;

    private final PaymentService payments;
    private final Idempotency idempotency;
    private final IdGenerator ids;
    private final JsonCodec json;
    private final ErrorMapper errors;
    private final String merchantClaim;
    private final Supplier<JsonObject> health;
    private final WriteFenceGate writeFence;

    /**
     * @param ids        the ids a request creates, from its {@link RequestScope} (production derives them from the
     *                   request itself, so a re-execution in another region names the same payment)
     * @param health     the health report; its {@code status} is {@code ok} or not, which makes the answer 200 or 503
     * @param writeFence whether this region takes writes (issue 12)
     */
    public PaymentApi(PaymentService payments, Idempotency idempotency, IdGenerator ids, JsonCodec json,
                      String merchantClaim, Supplier<JsonObject> health, WriteFenceGate writeFence) {
        this.payments = payments;
        this.idempotency = idempotency;
        this.ids = ids;
        this.json = json;
        this.errors = new ErrorMapper(new Problems(json));
        this.merchantClaim = merchantClaim;
        this.health = health;
        this.writeFence = writeFence;
    }

    /** An answer and the route it came from (null when no route matched), for logs and metrics. */
    public record Handled(Route route, ApiResponse response) { }

    /** Never throws for anything a client can send; an unexpected fault becomes a 500 with the correlation id. */
    public Handled handle(ApiRequest request) {
        return switch (Route.resolve(request.method(), request.path())) {
            case Route.Resolution.NotFound n -> new Handled(null, errors.notFound(request));
            case Route.Resolution.MethodNotAllowed m -> new Handled(null, errors.methodNotAllowed(request, m.allow()));
            case Route.Resolution.Found f -> {
                ApiResponse response;
                try {
                    response = dispatch(f.route(), f.paymentId(), request);
                } catch (RuntimeException e) {
                    response = errors.toResponse(e, request);
                }
                yield new Handled(f.route(), response);
            }
        };
    }

    /** The claim the merchant id is read from (configurable, {@code merchant_id} by default). */
    public String merchantClaim() {
        return merchantClaim;
    }

    private ApiResponse dispatch(Route route, String paymentId, ApiRequest request) {
        if (!route.authenticated()) {
            JsonObject report = health.get();
            // Health tells the truth (issue 12): unreachable config or table, or no active-region record, is a 503.
            return json("ok".equals(report.get("status")) ? 200 : 503, report);
        }
        String merchant = merchant(request);
        if (paymentId != null) {
            StructuredLog.putContext("paymentId", paymentId);
        }
        if (route.write()) {
            Idempotency.validKey(request.header("idempotency-key"));
            // ---- Write-fence hook (issue 12) ------------------------------------------------------------------
            // Every write route passes here before its body is read and before the idempotency claim: a write the
            // fence refuses has written nothing, not even the claim, so the same key works in the active region.
            // A fence that cannot be read throws DependencyException (503 through ErrorMapper; nothing written).
            Optional<ApiResponse> refused = writeFence.refusal(request);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        return switch (route) {
            case CREATE_PAYMENT -> create(request, merchant);
            case LIST_PAYMENTS -> list(request, merchant);
            // Write-fence hook (issue 12): where this region may not write, a GET does not reconcile (which writes).
            case GET_PAYMENT -> json(200, json.payment(payments.get(merchant, paymentId,
                    writeFence.writesAllowedNow())));
            case CAPTURE_PAYMENT -> capture(request, merchant, paymentId);
            case CANCEL_PAYMENT -> cancel(request, merchant, paymentId);
            case REFUND_PAYMENT -> refund(request, merchant, paymentId);
            case HEALTH -> throw new IllegalStateException("health is unauthenticated");
        };
    }

    // ---- routes -----------------------------------------------------------------------------------------------

    private ApiResponse create(ApiRequest request, String merchant) {
        JsonObject body = body(request, false);
        CreatePaymentCommand command = json.createCommand(body);
        String canonical = json.canonical(body);
        return idempotency.execute(request, merchant, canonical,
                () -> ids.paymentId(scope(request, merchant, canonical)), paymentId -> {
            StructuredLog.putContext("paymentId", paymentId);
            return created(payments.create(merchant, paymentId, command), request);
        }, e -> errors.toResponse(e, request));
    }

    private ApiResponse created(Payment payment, ApiRequest request) {
        String location = "/payments/" + payment.id();
        return switch (payment.status()) {
            case DECLINED -> errors.declinedPayment(payment, location);
            case FAILED -> errors.failedPayment(payment, location, request);
            case PENDING -> json(202, json.payment(payment)).withHeader("Location", location);
            default -> json(201, json.payment(payment)).withHeader("Location", location);
        };
    }

    private ApiResponse list(ApiRequest request, String merchant) {
        int limit = 20;
        String rawLimit = request.query().get("limit");
        if (rawLimit != null) {
            try {
                limit = Integer.parseInt(rawLimit);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 100) {
                throw new BadRequestException(400, "Invalid request", "limit", "must be an integer from 1 to 100");
            }
        }
        String cursor = request.query().get("cursor");
        if (cursor != null && (cursor.isEmpty() || cursor.length() > 1024)) {
            throw new BadRequestException(400, "Invalid request", "cursor", "is not a cursor issued for this listing");
        }
        PaymentStore.Page page = payments.list(merchant, limit, cursor);
        JsonObject n = new JsonObject();
        JsonArray items = n.putArray("items");
        page.items().forEach(p -> items.add(json.payment(p)));
        if (page.nextCursor() != null) {
            n.put("nextCursor", page.nextCursor());
        } else {
            n.putNull("nextCursor");
        }
        return json(200, n);
    }

    private ApiResponse capture(ApiRequest request, String merchant, String id) {
        JsonObject body = body(request, true);
        Long amount = json.amountOnly(body, false);
        String canonical = json.canonical(body);
        return idempotency.execute(request, merchant, canonical,
                () -> ids.attemptId(scope(request, merchant, canonical)), attemptId -> {
            Payment p = payments.capture(merchant, id, attemptId, amount);
            return json(p.isPending(attemptId) ? 202 : 200, json.payment(p));
        }, e -> errors.toResponse(e, request));
    }

    private ApiResponse cancel(ApiRequest request, String merchant, String id) {
        JsonObject body = body(request, true);
        json.emptyObject(body);
        String canonical = json.canonical(body);
        return idempotency.execute(request, merchant, canonical,
                () -> ids.attemptId(scope(request, merchant, canonical)), attemptId -> {
            Payment p = payments.cancel(merchant, id, attemptId);
            return json(p.isPending(attemptId) ? 202 : 200, json.payment(p));
        }, e -> errors.toResponse(e, request));
    }

    private ApiResponse refund(ApiRequest request, String merchant, String id) {
        JsonObject body = body(request, false);
        long amount = json.amountOnly(body, true);
        String canonical = json.canonical(body);
        return idempotency.execute(request, merchant, canonical,
                () -> ids.refundId(scope(request, merchant, canonical)), refundId -> {
            PaymentService.RefundOutcome outcome = payments.refund(merchant, id, refundId, amount);
            JsonObject n = json.refund(outcome.refund());
            n.put("paymentId", id);
            n.set("payment", json.payment(outcome.payment()));
            int status = outcome.refund().status() == RefundStatus.PENDING ? 202 : 201;
            return json(status, n).withHeader("Location", "/payments/" + id);
        }, e -> errors.toResponse(e, request));
    }

    // ---- request helpers --------------------------------------------------------------------------------------

    /** What identifies this client request wherever it is sent: merchant, Idempotency-Key and fingerprint. */
    private static RequestScope scope(ApiRequest request, String merchant, String canonicalBody) {
        return new RequestScope(merchant, request.header("idempotency-key"),
                Idempotency.fingerprint(request.method(), request.path(), canonicalBody));
    }

    private String merchant(ApiRequest request) {
        String merchant = request.claims().get(merchantClaim);
        if (merchant == null || !MERCHANT_ID.matcher(merchant).matches()) {
            throw new UnauthenticatedException();
        }
        StructuredLog.putContext("merchantId", merchant);
        return merchant;
    }

    private JsonObject body(ApiRequest request, boolean optional) {
        String body = request.body();
        if (body != null && body.getBytes(StandardCharsets.UTF_8).length > JsonCodec.MAX_BODY_BYTES) {
            throw new BadRequestException(413, "Payload too large", "body",
                    "must be at most " + JsonCodec.MAX_BODY_BYTES + " bytes");
        }
        String contentType = request.header("content-type");
        if (body != null && !body.isBlank() && contentType != null && !isJson(contentType)) {
            throw new BadRequestException(415, "Unsupported media type", "content-type", "must be application/json");
        }
        for (Map.Entry<String, String> h : request.headers().entrySet()) {
            if (h.getValue() != null && h.getValue().length() > MAX_HEADER_VALUE
                    && !h.getKey().equals("authorization")) {
                throw new BadRequestException(431, "Request header too large", "headers",
                        "a header value exceeds " + MAX_HEADER_VALUE + " characters");
            }
        }
        return json.parseObject(body, optional);
    }

    private static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/json") || type.endsWith("+json");
    }

    private ApiResponse json(int status, JsonObject body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Cache-Control", "no-store");
        return new ApiResponse(status, headers, json.write(body));
    }
}
