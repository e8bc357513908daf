package com.acme.payments.api;

import com.acme.payments.config.ConfigException;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.InvalidStateTransitionException;
import com.acme.payments.domain.PanDetector;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentException;
import com.acme.payments.domain.PaymentNotFoundException;
import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.logging.StructuredLog;
import com.acme.payments.port.IdempotencyStore.StoredResponse;
import com.acme.payments.port.PaymentStore;
import com.acme.payments.service.CreatePaymentCommand;
import com.acme.payments.service.IdempotencyException;
import com.acme.payments.service.IdempotentRequests;
import com.acme.payments.service.PaymentService;
import com.acme.payments.service.ProcessorRejectedException;
import com.acme.payments.service.RequestDerivedIds;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Routes HTTP requests to the payment use cases and maps every outcome to an HTTP answer. Knows HTTP, not AWS.
 * The route table here is checked against {@code api/openapi.yaml} by a test.
 */
public final class PaymentApi {
    private static final StructuredLog LOG = StructuredLog.get(PaymentApi.class);
    private static final Pattern PAYMENT_ID = Pattern.compile(
            "pay_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern MERCHANT_ID = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");
    private static final int MAX_HEADER_VALUE = 1024;

    private final PaymentService payments;
    private final IdempotentRequests idempotency;
    private final JsonCodec json;
    private final Problems problems;
    private final String merchantClaim;
    private final Supplier<ObjectNode> health;
    private final WriteFenceGate writeFence;

    /** @param health the health report; its {@code status} is {@code ok} or not, which makes the answer 200 or 503 */
    public PaymentApi(PaymentService payments, IdempotentRequests idempotency, JsonCodec json,
                      String merchantClaim, Supplier<ObjectNode> health, WriteFenceGate writeFence) {
        this.payments = payments;
        this.idempotency = idempotency;
        this.json = json;
        this.problems = new Problems(json);
        this.merchantClaim = merchantClaim;
        this.health = health;
        this.writeFence = writeFence;
    }

    /** Never throws for anything a client can send; an unexpected fault becomes a 500 with the correlation id. */
    public ApiResponse handle(ApiRequest request) {
        try {
            return route(request);
        } catch (PaymentException e) {
            return fromException(e, request);
        } catch (RuntimeException e) {
            LOG.error("unexpected fault", e);
            return internalError(request);
        }
    }

    private ApiResponse route(ApiRequest request) {
        String path = request.path() == null ? "" : request.path();
        if (!isCleanPath(path)) {
            return notFound(request);
        }
        String[] s = path.substring(1).split("/", -1);
        String method = request.method() == null ? "" : request.method().toUpperCase(java.util.Locale.ROOT);
        if (s.length == 1 && s[0].equals("health")) {
            return method.equals("GET") ? health() : methodNotAllowed(request, "GET");
        }
        if (s.length == 0 || !s[0].equals("payments")) {
            return notFound(request);
        }
        if (s.length == 1) {
            return switch (method) {
                case "POST" -> create(request, merchant(request));
                case "GET" -> list(request, merchant(request));
                default -> methodNotAllowed(request, "GET, POST");
            };
        }
        String id = s[1];
        if (!PAYMENT_ID.matcher(id).matches() || s.length > 3) {
            return notFound(request);
        }
        if (s.length == 2) {
            return method.equals("GET") ? get(request, merchant(request), id) : methodNotAllowed(request, "GET");
        }
        return switch (s[2]) {
            case "capture" -> method.equals("POST") ? capture(request, merchant(request), id)
                    : methodNotAllowed(request, "POST");
            case "refunds" -> method.equals("POST") ? refund(request, merchant(request), id)
                    : methodNotAllowed(request, "POST");
            case "cancel" -> method.equals("POST") ? cancel(request, merchant(request), id)
                    : methodNotAllowed(request, "POST");
            default -> notFound(request);
        };
    }

    /** Rejects traversal, doubled or encoded slashes and control characters instead of normalising them. */
    static boolean isCleanPath(String path) {
        if (!path.startsWith("/") || path.length() > 200 || path.contains("//") || path.contains("..")
                || path.contains("%") || path.contains("\\")) {
            return false;
        }
        return path.chars().allMatch(c -> c > 0x20 && c < 0x7f) && (path.length() == 1 || !path.endsWith("/"));
    }

    // ---- routes -------------------------------------------------------------------------------------------

    private ApiResponse health() {
        ObjectNode report = health.get();
        // Issue 12: health tells the truth. Unreachable config or table, or no active-region record, is a 503.
        return json("ok".equals(report.path("status").asText()) ? 200 : 503, report);
    }

    private ApiResponse create(ApiRequest request, String merchant) {
        String key = idempotencyKey(request);
        ObjectNode body = body(request, false);
        CreatePaymentCommand command = json.createCommand(body);
        payments.validate(command);
        return idempotent(request, merchant, key, body,
                fingerprint -> RequestDerivedIds.paymentId(merchant, key, fingerprint), paymentId -> {
            StructuredLog.putContext("paymentId", paymentId);
            Payment payment = payments.create(merchant, paymentId, command);
            return createdResponse(payment, request);
        });
    }

    private ApiResponse createdResponse(Payment payment, ApiRequest request) {
        return switch (payment.status()) {
            case DECLINED -> problems.problem(402, "payment-declined", "Payment declined",
                    "The processor declined the payment.", "/payments/" + payment.id(),
                    n -> n.put("paymentId", payment.id()).put("declineReason", payment.declineReason()))
                    .withHeader("Location", "/payments/" + payment.id());
            case FAILED -> problems.problem(502, "processor-error", "Processor error",
                    "The payment processor failed; the payment was not charged.", "/payments/" + payment.id(),
                    n -> n.put("paymentId", payment.id()).put("correlationId", request.requestId()))
                    .withHeader("Location", "/payments/" + payment.id());
            case PENDING -> json(202, json.payment(payment)).withHeader("Location", "/payments/" + payment.id());
            default -> json(201, json.payment(payment)).withHeader("Location", "/payments/" + payment.id());
        };
    }

    private ApiResponse get(ApiRequest request, String merchant, String id) {
        StructuredLog.putContext("paymentId", id);
        // Write-fence hook (issue 12): in a region that may not write, a GET does not reconcile (which writes).
        return json(200, json.payment(payments.get(merchant, id, writeFence::writesAllowedNow)));
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
        ObjectNode n = json.mapper().createObjectNode();
        ArrayNode items = n.putArray("items");
        page.items().forEach(p -> items.add(json.payment(p)));
        if (page.nextCursor() != null) {
            n.put("nextCursor", page.nextCursor());
        } else {
            n.putNull("nextCursor");
        }
        return json(200, n);
    }

    private ApiResponse capture(ApiRequest request, String merchant, String id) {
        String key = idempotencyKey(request);
        ObjectNode body = body(request, true);
        Long amount = json.amountOnly(body, false);
        StructuredLog.putContext("paymentId", id);
        return idempotent(request, merchant, key, body, fingerprint -> id, ignored -> {
            Payment p = payments.capture(merchant, id, amount);
            return json(p.pendingOperation() == null ? 200 : 202, json.payment(p));
        });
    }

    private ApiResponse cancel(ApiRequest request, String merchant, String id) {
        String key = idempotencyKey(request);
        ObjectNode body = body(request, true);
        json.emptyObject(body);
        StructuredLog.putContext("paymentId", id);
        return idempotent(request, merchant, key, body, fingerprint -> id, ignored -> {
            Payment p = payments.cancel(merchant, id);
            return json(p.pendingOperation() == null ? 200 : 202, json.payment(p));
        });
    }

    private ApiResponse refund(ApiRequest request, String merchant, String id) {
        String key = idempotencyKey(request);
        ObjectNode body = body(request, false);
        long amount = json.amountOnly(body, true);
        StructuredLog.putContext("paymentId", id);
        return idempotent(request, merchant, key, body,
                fingerprint -> RequestDerivedIds.refundId(merchant, key, fingerprint), refundId -> {
            PaymentService.RefundOutcome outcome = payments.refund(merchant, id, refundId, amount);
            ObjectNode n = json.refund(outcome.refund());
            n.put("paymentId", id);
            n.set("payment", json.payment(outcome.payment()));
            int status = outcome.refund().status() == com.acme.payments.domain.RefundStatus.PENDING ? 202 : 201;
            return json(status, n).withHeader("Location", "/payments/" + id);
        });
    }

    // ---- idempotency --------------------------------------------------------------------------------------

    /**
     * @param newId the id of the resource a first request creates, from the request fingerprint: derived from the
     *              request (RequestDerivedIds), so a re-execution in another region names the same resource
     */
    private ApiResponse idempotent(ApiRequest request, String merchant, String key, ObjectNode body,
                                   Function<String, String> newId, Function<String, ApiResponse> work) {
        // ---- Write-fence hook (issue 12) ----------------------------------------------------------------------
        // Every mutating route comes through here, after validation and before the idempotency claim: a write
        // that the fence refuses has written nothing, not even the claim, so the same key works in the active
        // region. A fence that cannot be read throws DependencyException (503, nothing written either).
        Optional<ApiResponse> refused = writeFence.refusal(instance(request));
        if (refused.isPresent()) {
            return refused.get();
        }
        String fingerprint = IdempotentRequests.fingerprint(request.method(), request.path(), json.canonical(body));
        IdempotentRequests.Outcome outcome = idempotency.execute(merchant, key, fingerprint,
                () -> newId.apply(fingerprint), resourceId -> {
            ApiResponse response;
            try {
                response = work.apply(resourceId);
            } catch (PaymentException e) {
                response = fromException(e, request);
            }
            return new StoredResponse(response.status(), response.body(), response.headers());
        });
        ApiResponse response = new ApiResponse(outcome.response().statusCode(), outcome.response().headers(),
                outcome.response().body());
        return outcome.replayed() ? response.withHeader("Idempotent-Replayed", "true") : response;
    }

    private static String idempotencyKey(ApiRequest request) {
        String key = request.header("idempotency-key");
        IdempotentRequests.validateKey(key);
        return key;
    }

    // ---- request helpers ----------------------------------------------------------------------------------

    private String merchant(ApiRequest request) {
        String merchant = request.claims().get(merchantClaim);
        if (merchant == null || !MERCHANT_ID.matcher(merchant).matches()) {
            throw new UnauthenticatedException();
        }
        StructuredLog.putContext("merchantId", merchant);
        return merchant;
    }

    private ObjectNode body(ApiRequest request, boolean optional) {
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

    // ---- responses ----------------------------------------------------------------------------------------

    private ApiResponse json(int status, ObjectNode body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Cache-Control", "no-store");
        return new ApiResponse(status, headers, json.write(body));
    }

    ApiResponse fromException(PaymentException e, ApiRequest request) {
        String instance = instance(request);
        return switch (e) {
            case BadRequestException b -> problems.validation(b.status(), b.title(), b.errors(), instance);
            case ValidationException v -> problems.validation(400, "Invalid request", v.errors(), instance);
            case UnauthenticatedException u -> problems.problem(401, "unauthenticated", "Unauthenticated",
                    "A verified merchant identity is required.", instance, null);
            case PaymentNotFoundException nf -> notFound(request);
            case InvalidStateTransitionException st -> problems.problem(409, "invalid-state", "Invalid state transition",
                    st.getMessage().contains("refundable") ? "The refund exceeds the refundable amount."
                            : "The operation is not allowed in the payment's current status.", instance,
                    n -> n.put("currentStatus", st.currentStatus().name()));
            case ConcurrentUpdateException cu -> problems.problem(409, "concurrent-update", "Concurrent update",
                    "The payment was changed by another request; retry.", instance, null);
            case IdempotencyException ie -> switch (ie.kind()) {
                case INVALID_KEY -> problems.problem(400, "idempotency-key", "Invalid Idempotency-Key",
                        ie.getMessage(), instance, null);
                case IN_FLIGHT -> problems.problem(409, "idempotency-in-flight", "Request in progress",
                        "A request with this Idempotency-Key is still being processed; retry later.", instance, null)
                        .withHeader("Retry-After", "1");
                case MISMATCH -> problems.problem(422, "idempotency-mismatch", "Idempotency-Key reused",
                        "This Idempotency-Key was already used with a different request.", instance, null);
            };
            case ProcessorRejectedException pr -> pr.declined()
                    ? problems.problem(402, "payment-declined", "Declined by the processor",
                        "The processor declined the operation.", instance,
                        n -> n.put("paymentId", pr.payment().id()).put("declineReason", pr.reason())
                                .put("currentStatus", pr.payment().status().name()))
                    : problems.problem(502, "processor-error", "Processor error",
                        "The payment processor failed; nothing was changed.", instance,
                        n -> n.put("paymentId", pr.payment().id()).put("correlationId", request.requestId())
                                .put("currentStatus", pr.payment().status().name()));
            case ConfigException ce -> {
                LOG.error("configuration unavailable", ce);
                yield unavailable(request, "Configuration is unavailable.");
            }
            case DependencyException de -> {
                LOG.error("dependency failed", de);
                yield de.retryable() ? unavailable(request, "A dependency is temporarily unavailable.")
                        : internalError(request);
            }
            default -> {
                LOG.error("unmapped payment exception", e);
                yield internalError(request);
            }
        };
    }

    private ApiResponse unavailable(ApiRequest request, String detail) {
        return problems.problem(503, "service-unavailable", "Service unavailable", detail + " Retry later.",
                instance(request), n -> n.put("correlationId", request.requestId())).withHeader("Retry-After", "5");
    }

    private ApiResponse internalError(ApiRequest request) {
        return problems.problem(500, "internal-error", "Internal error",
                "An internal error occurred; quote the correlation id to support.", instance(request),
                n -> n.put("correlationId", request.requestId()));
    }

    private ApiResponse notFound(ApiRequest request) {
        return problems.problem(404, "not-found", "Not found", "No such resource.", instance(request), null);
    }

    private ApiResponse methodNotAllowed(ApiRequest request, String allow) {
        return problems.problem(405, "method-not-allowed", "Method not allowed",
                "Allowed: " + allow + ".", instance(request), null).withHeader("Allow", allow);
    }

    /**
     * The request path for a problem's {@code instance}, or null. The path is client input: an unknown one can
     * carry a card number, control characters or kilobytes of text, and a problem must never echo those.
     */
    private static String instance(ApiRequest request) {
        String path = request.path();
        return path != null && isCleanPath(path) && !PanDetector.containsPan(path) ? path : null;
    }

}
