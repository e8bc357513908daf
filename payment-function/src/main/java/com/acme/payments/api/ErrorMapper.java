package com.acme.payments.api;

import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;

import com.acme.payments.api.idempotency.IdempotencyException;
import com.acme.payments.config.ConfigException;
import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.InvalidStateTransitionException;
import com.acme.payments.domain.OutcomeConflictException;
import com.acme.payments.domain.PanDetector;
import com.acme.payments.domain.PaymentNotFoundException;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.logging.StructuredLog;
import com.acme.payments.service.ProcessorRejectedException;

/**
 * The one place where exceptions become HTTP answers (RFC 9457 problem details). Details are written here, never
 * copied from exception messages; a 5xx carries the correlation id and nothing else about the fault.
 */
public final class ErrorMapper {
    private static final StructuredLog LOG = StructuredLog.get(ErrorMapper.class);
    private final Problems problems;

    public ErrorMapper(Problems problems) {
        this.problems = problems;
    }

    public ApiResponse toResponse(RuntimeException e, ApiRequest request) {
        String instance = instance(request);
        return switch (e) {
            case BadRequestException b -> problems.validation(b.status(), b.title(), b.errors(), instance);
            case ValidationException v -> problems.validation(400, "Invalid request", v.errors(), instance);
            case UnauthenticatedException u -> problems.problem(401, "unauthenticated", "Unauthenticated",
                    "A verified merchant identity is required.", instance, null);
            case PaymentNotFoundException nf -> notFound(request);
            case InvalidStateTransitionException st -> problems.problem(409, "invalid-state",
                    "Invalid state transition", switch (st.reason()) {
                        case EXCEEDS_REFUNDABLE -> "The refund exceeds the refundable amount.";
                        case OPERATION_IN_PROGRESS -> "Another operation on this payment is still in progress.";
                        case LIMIT_REACHED -> "The payment holds as many refunds or attempts as it may.";
                        case NOT_ALLOWED_IN_STATUS -> "The operation is not allowed in the payment's current status.";
                    }, instance, n -> n.put("currentStatus", st.currentStatus().name()));
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
            case OutcomeConflictException oc -> {
                LOG.error("processor outcome conflicts with our record", oc, "alarm", "ProcessorLedgerConflict");
                yield internalError(request);
            }
            default -> {
                LOG.error("unexpected fault", e);
                yield internalError(request);
            }
        };
    }

    /** A create the processor declined: 402, with the stored payment's id (the payment exists, as DECLINED). */
    ApiResponse declinedPayment(com.acme.payments.domain.Payment payment, String location) {
        return problems.problem(402, "payment-declined", "Payment declined", "The processor declined the payment.",
                location, n -> n.put("paymentId", payment.id()).put("declineReason", payment.declineReason()))
                .withHeader("Location", location);
    }

    /** A create the processor failed without charging: 502 (the payment exists, as FAILED). */
    ApiResponse failedPayment(com.acme.payments.domain.Payment payment, String location, ApiRequest request) {
        return problems.problem(502, "processor-error", "Processor error",
                "The payment processor failed; the payment was not charged.", location,
                n -> n.put("paymentId", payment.id()).put("correlationId", request.requestId()))
                .withHeader("Location", location);
    }

    ApiResponse unavailable(ApiRequest request, String detail) {
        return problems.problem(503, "service-unavailable", "Service unavailable", detail + " Retry later.",
                instance(request), n -> n.put("correlationId", request.requestId())).withHeader("Retry-After", "5");
    }

    ApiResponse internalError(ApiRequest request) {
        return problems.problem(500, "internal-error", "Internal error",
                "An internal error occurred; quote the correlation id to support.", instance(request),
                n -> n.put("correlationId", request.requestId()));
    }

    ApiResponse notFound(ApiRequest request) {
        return problems.problem(404, "not-found", "Not found", "No such resource.", instance(request), null);
    }

    ApiResponse methodNotAllowed(ApiRequest request, String allow) {
        return problems.problem(405, "method-not-allowed", "Method not allowed",
                "Allowed: " + allow + ".", instance(request), null).withHeader("Allow", allow);
    }

    /**
     * The request path for a problem's {@code instance}, or null. The path is client input: an unknown one can
     * carry a card number, control characters or kilobytes of text, and a problem must never echo those.
     */
    private static String instance(ApiRequest request) {
        String path = request.path();
        return path != null && Route.isCleanPath(path) && !PanDetector.containsPan(path) ? path : null;
    }
}
