package com.acme.payments.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A payment and its state machine. Immutable: every transition returns a new value with {@code version + 1},
 * which the store writes conditionally on the old version, so two concurrent requests can never both win.
 *
 * <p>Processor calls are bracketed: {@code begin…} records the pending operation (and, for refunds, holds the
 * amount) before the processor is called, and the outcome method records its answer. A crash or timeout between
 * the two leaves a visible pending operation, never an unrecorded charge.
 *
 * <p>{@code pendingOperationId} names the processor call in flight (it is that call's idempotency key), so a
 * lost answer can be looked up, and a new attempt after a refusal gets a new key instead of the refusal replayed.
 *
 * <p>Amounts are integers in the currency's minor unit.
 */
public record Payment(
        String id,
        String merchantId,
        long amount,
        String currency,
        String paymentMethod,
        String description,
        Map<String, String> metadata,
        boolean captureRequested,
        PaymentStatus status,
        long authorizedAmount,
        long capturedAmount,
        List<Refund> refunds,
        Operation pendingOperation,
        long pendingAmount,
        String pendingOperationId,
        String processorReference,
        String declineReason,
        String failureReason,
        List<Transition> history,
        Instant createdAt,
        Instant updatedAt,
        long version,
        String region) {

    public Payment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(merchantId, "merchantId");
        Objects.requireNonNull(status, "status");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        refunds = refunds == null ? List.of() : List.copyOf(refunds);
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** A new payment whose authorization is about to be sent to the processor. */
    public static Payment newPending(String id, String merchantId, long amount, String currency,
                                     String maskedPaymentMethod, String description, Map<String, String> metadata,
                                     boolean capture, Instant now, String region) {
        return new Payment(id, merchantId, amount, currency, maskedPaymentMethod, description, metadata, capture,
                PaymentStatus.PENDING, 0, 0, List.of(), Operation.AUTHORIZE, amount, id + ":authorize", null, null, null,
                List.of(new Transition(null, PaymentStatus.PENDING, now, "created")), now, now, 0, region);
    }

    /** Refunds that succeeded. */
    public long refundedAmount() {
        return refunds.stream().filter(r -> r.status() == RefundStatus.SUCCEEDED).mapToLong(Refund::amount).sum();
    }

    /** Captured money not yet refunded or held by a pending refund. */
    public long refundableAmount() {
        long held = refunds.stream().filter(Refund::holdsFunds).mapToLong(Refund::amount).sum();
        return capturedAmount - held;
    }

    // ---- authorization ---------------------------------------------------------------------------------

    public Payment authorized(String reference, Instant now) {
        requirePending(Operation.AUTHORIZE);
        PaymentStatus to = captureRequested ? PaymentStatus.CAPTURED : PaymentStatus.AUTHORIZED;
        return next(to, amount, captureRequested ? amount : 0, refunds, null, 0, null, reference, null, null, now,
                captureRequested ? "authorized and captured" : "authorized");
    }

    public Payment declined(String reason, Instant now) {
        requirePending(Operation.AUTHORIZE);
        return next(PaymentStatus.DECLINED, 0, 0, refunds, null, 0, null, processorReference, reason, null, now,
                "declined: " + reason);
    }

    public Payment failed(String reason, Instant now) {
        requirePending(Operation.AUTHORIZE);
        return next(PaymentStatus.FAILED, 0, 0, refunds, null, 0, null, processorReference, null, reason, now,
                "failed: " + reason);
    }

    // ---- capture ---------------------------------------------------------------------------------------

    public Payment beginCapture(long captureAmount, String operationId, Instant now) {
        requireIdle(PaymentStatus.AUTHORIZED, "capture");
        if (captureAmount <= 0 || captureAmount > authorizedAmount) {
            throw new ValidationException("amount", "must be between 1 and the authorized amount " + authorizedAmount);
        }
        return next(status, authorizedAmount, capturedAmount, refunds, Operation.CAPTURE, captureAmount,
                operationId, processorReference, declineReason, failureReason, now, null);
    }

    public Payment captured(Instant now) {
        requirePending(Operation.CAPTURE);
        String reason = pendingAmount < authorizedAmount ? "partially captured" : "captured";
        return next(PaymentStatus.CAPTURED, authorizedAmount, pendingAmount, refunds, null, 0, null, processorReference,
                declineReason, failureReason, now, reason);
    }

    public Payment captureFailed(String reason, Instant now) {
        requirePending(Operation.CAPTURE);
        return next(status, authorizedAmount, capturedAmount, refunds, null, 0, null, processorReference, declineReason,
                reason, now, "capture failed: " + reason);
    }

    // ---- cancel (void) ---------------------------------------------------------------------------------

    public Payment beginCancel(String operationId, Instant now) {
        requireIdle(PaymentStatus.AUTHORIZED, "cancel");
        return next(status, authorizedAmount, capturedAmount, refunds, Operation.CANCEL, 0, operationId, processorReference,
                declineReason, failureReason, now, null);
    }

    public Payment canceled(Instant now) {
        requirePending(Operation.CANCEL);
        return next(PaymentStatus.CANCELED, authorizedAmount, 0, refunds, null, 0, null, processorReference,
                declineReason, failureReason, now, "canceled");
    }

    public Payment cancelFailed(String reason, Instant now) {
        requirePending(Operation.CANCEL);
        return next(status, authorizedAmount, capturedAmount, refunds, null, 0, null, processorReference, declineReason,
                reason, now, "cancel failed: " + reason);
    }

    // ---- refunds ---------------------------------------------------------------------------------------

    public Payment beginRefund(String refundId, long refundAmount, Instant now) {
        if (status != PaymentStatus.CAPTURED && status != PaymentStatus.PARTIALLY_REFUNDED) {
            throw new InvalidStateTransitionException(status, "refund is allowed only from CAPTURED or PARTIALLY_REFUNDED");
        }
        if (refundAmount <= 0) {
            throw new ValidationException("amount", "must be a positive integer in minor units");
        }
        if (refundAmount > refundableAmount()) {
            throw new InvalidStateTransitionException(status,
                    "refund exceeds the refundable amount " + refundableAmount());
        }
        List<Refund> updated = new ArrayList<>(refunds);
        updated.add(new Refund(refundId, refundAmount, RefundStatus.PENDING, now, null, null));
        return next(status, authorizedAmount, capturedAmount, updated, pendingOperation, pendingAmount,
                pendingOperationId, processorReference, declineReason, failureReason, now, null);
    }

    public Payment refundSucceeded(String refundId, String reference, Instant now) {
        List<Refund> updated = replaceRefund(refundId, RefundStatus.SUCCEEDED, reference, null);
        long refunded = updated.stream().filter(r -> r.status() == RefundStatus.SUCCEEDED)
                .mapToLong(Refund::amount).sum();
        PaymentStatus to = refunded >= capturedAmount ? PaymentStatus.REFUNDED : PaymentStatus.PARTIALLY_REFUNDED;
        return next(to, authorizedAmount, capturedAmount, updated, pendingOperation, pendingAmount,
                pendingOperationId, processorReference, declineReason, failureReason, now, "refund " + refundId + " succeeded");
    }

    public Payment refundFailed(String refundId, String reason, Instant now) {
        List<Refund> updated = replaceRefund(refundId, RefundStatus.FAILED, null, reason);
        return next(status, authorizedAmount, capturedAmount, updated, pendingOperation, pendingAmount,
                pendingOperationId, processorReference, declineReason, failureReason, now, "refund " + refundId + " failed: " + reason);
    }

    public Refund refund(String refundId) {
        return refunds.stream().filter(r -> r.id().equals(refundId)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no refund " + refundId + " on " + id));
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private List<Refund> replaceRefund(String refundId, RefundStatus newStatus, String reference, String reason) {
        Refund current = refund(refundId);
        if (current.status() != RefundStatus.PENDING) {
            throw new InvalidStateTransitionException(status, "refund " + refundId + " is already " + current.status());
        }
        List<Refund> updated = new ArrayList<>(refunds.size());
        for (Refund r : refunds) {
            updated.add(r.id().equals(refundId) ? r.withOutcome(newStatus, reference, reason) : r);
        }
        return updated;
    }

    private void requirePending(Operation operation) {
        if (pendingOperation != operation) {
            throw new InvalidStateTransitionException(status, "no pending " + operation + " on this payment");
        }
    }

    private void requireIdle(PaymentStatus required, String action) {
        if (status != required) {
            throw new InvalidStateTransitionException(status, action + " is allowed only from " + required);
        }
        if (pendingOperation != null) {
            throw new InvalidStateTransitionException(status,
                    "a " + pendingOperation + " is still in progress on this payment");
        }
    }

    /** Builds the successor state; a non-null {@code reason} appends a history entry. */
    private Payment next(PaymentStatus to, long authorized, long captured, List<Refund> newRefunds,
                         Operation pending, long pendingAmt, String pendingId, String reference, String decline,
                         String failure, Instant now, String reason) {
        List<Transition> newHistory = history;
        if (reason != null) {
            newHistory = new ArrayList<>(history);
            newHistory.add(new Transition(status, to, now, reason));
        }
        return new Payment(id, merchantId, amount, currency, paymentMethod, description, metadata, captureRequested,
                to, authorized, captured, newRefunds, pending, pendingAmt, pendingId, reference, decline, failure,
                newHistory,
                createdAt, now, version + 1, region);
    }
}
