package com.acme.payments.domain;

import com.acme.payments.domain.Attempt.Outcome;
import com.acme.payments.domain.InvalidStateTransitionException.Reason;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A payment and its state machine. Immutable: every transition returns a new value with {@code version + 1},
 * which the store writes conditionally on the old version, so two concurrent requests can never both win.
 *
 * <p>Processor calls are bracketed: {@code begin…} records the pending call (and, for refunds, holds the amount)
 * before the processor is called, and {@code record…} records its answer. A crash or timeout between the two
 * leaves a visible pending call, never an unrecorded charge.
 *
 * <p>Every transition is <b>idempotent</b> by the id of the attempt it belongs to: applying it to a state that
 * already contains it returns {@code this} unchanged. A write whose response was lost (committed, then retried
 * by the SDK and refused by the version check) is therefore re-read and recognised, never applied twice.
 * Outcomes are applied only to the attempt they answer: a late answer for an older attempt can never settle a
 * newer one.
 *
 * <p>Size is bounded by construction ({@link #MAX_REFUNDS}, {@link #MAX_ATTEMPTS}), so an item can never approach
 * DynamoDB's 400 KB limit, however the payment is used.
 *
 * <p>All amounts are integers in the minor unit of {@link #currency()}.
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
        PendingCall pending,
        List<Attempt> attempts,
        String processorReference,
        String declineReason,
        String failureReason,
        List<Transition> history,
        Instant createdAt,
        Instant updatedAt,
        long version,
        String region) {

    /** Refunds (of any status) one payment may hold. */
    public static final int MAX_REFUNDS = 100;
    /** Finished capture and cancel attempts one payment may hold (each one failed but the last). */
    public static final int MAX_ATTEMPTS = 20;
    /** Attempts kept for cancels beyond {@link #MAX_ATTEMPTS}. */
    public static final int CANCEL_RESERVE = 5;
    /** The longest processor text (reason, reference) kept on a payment. */
    public static final int MAX_DETAIL = 200;
    /**
     * How long after its last send a pending call is left to the request that sent it before the background
     * reconciler looks it up: younger calls are most likely still being answered.
     */
    public static final java.time.Duration RECONCILE_AFTER = java.time.Duration.ofSeconds(10);

    public Payment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(merchantId, "merchantId");
        Objects.requireNonNull(status, "status");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        refunds = refunds == null ? List.of() : List.copyOf(refunds);
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** A new payment whose authorization is about to be sent to the processor (the first send is now). */
    public static Payment newPending(String id, String merchantId, Money amount, String maskedPaymentMethod,
                                     String description, Map<String, String> metadata, boolean capture, Instant now,
                                     String region) {
        return new Payment(id, merchantId, amount.minorUnits(), amount.currency(), maskedPaymentMethod, description,
                metadata, capture, PaymentStatus.PENDING, 0, 0, List.of(),
                new PendingCall(Operation.AUTHORIZE, id, amount.minorUnits(), now, 1), List.of(), null, null, null,
                List.of(new Transition(null, PaymentStatus.PENDING, now, "created")), now, now, 0, region);
    }

    public Money money() {
        return Money.of(amount, currency);
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

    /** Whether any processor call (the payment's own or a refund) is waiting for its outcome. */
    public boolean hasPendingCalls() {
        return pending != null || refunds.stream().anyMatch(r -> r.status() == RefundStatus.PENDING);
    }

    /** The earliest last-send time among pending calls, or null: when reconciliation is due. */
    public Instant oldestPendingSend() {
        Instant oldest = pending == null ? null : pending.lastSentAt();
        for (Refund r : refunds) {
            if (r.status() == RefundStatus.PENDING && (oldest == null || r.lastSentAt().isBefore(oldest))) {
                oldest = r.lastSentAt();
            }
        }
        return oldest;
    }

    /** When the background reconciler should first look at this payment's pending calls, or null: none pending. */
    public Instant reconcileDueAt() {
        Instant oldest = oldestPendingSend();
        return oldest == null ? null : oldest.plus(RECONCILE_AFTER);
    }

    public Refund refund(String refundId) {
        return findRefund(refundId).orElseThrow(() -> new IllegalStateException("no refund " + refundId + " on " + id));
    }

    public java.util.Optional<Refund> findRefund(String refundId) {
        return refunds.stream().filter(r -> r.id().equals(refundId)).findFirst();
    }

    public java.util.Optional<Attempt> finishedAttempt(String attemptId) {
        return attempts.stream().filter(a -> a.id().equals(attemptId)).findFirst();
    }

    /** Whether {@code attemptId} is the pending call. */
    public boolean isPending(String attemptId) {
        return pending != null && pending.attemptId().equals(attemptId);
    }

    // ---- starting calls -------------------------------------------------------------------------------------

    /** Records that the pending call {@code attemptId} is being sent again (a resumed request). */
    public Payment resend(String attemptId, Instant now) {
        if (!isPending(attemptId)) {
            return this;
        }
        return next(status, authorizedAmount, capturedAmount, refunds, pending.resent(now), attempts,
                processorReference, declineReason, failureReason, now, null);
    }

    public Payment beginCapture(String attemptId, long captureAmount, Instant now) {
        if (isPending(attemptId)) {
            return this;
        }
        requireIdle(PaymentStatus.AUTHORIZED, "capture", MAX_ATTEMPTS);
        if (captureAmount <= 0 || captureAmount > authorizedAmount) {
            throw new ValidationException("amount", "must be between 1 and the authorized amount " + authorizedAmount);
        }
        return next(status, authorizedAmount, capturedAmount, refunds,
                new PendingCall(Operation.CAPTURE, attemptId, captureAmount, now, 1), attempts, processorReference,
                declineReason, failureReason, now, null);
    }

    public Payment beginCancel(String attemptId, Instant now) {
        if (isPending(attemptId)) {
            return this;
        }
        // A few slots more than a capture gets, so that failed captures can never leave a hold that cannot be voided.
        requireIdle(PaymentStatus.AUTHORIZED, "cancel", MAX_ATTEMPTS + CANCEL_RESERVE);
        return next(status, authorizedAmount, capturedAmount, refunds,
                new PendingCall(Operation.CANCEL, attemptId, 0, now, 1), attempts, processorReference, declineReason,
                failureReason, now, null);
    }

    public Payment beginRefund(String refundId, long refundAmount, Instant now) {
        if (findRefund(refundId).isPresent()) {
            return this;
        }
        if (status != PaymentStatus.CAPTURED && status != PaymentStatus.PARTIALLY_REFUNDED) {
            throw new InvalidStateTransitionException(status, Reason.NOT_ALLOWED_IN_STATUS,
                    "refund is allowed only from CAPTURED or PARTIALLY_REFUNDED");
        }
        if (refundAmount <= 0) {
            throw new ValidationException("amount", "must be a positive integer in minor units");
        }
        if (refundAmount > refundableAmount()) {
            throw new InvalidStateTransitionException(status, Reason.EXCEEDS_REFUNDABLE,
                    "refund exceeds the refundable amount " + refundableAmount());
        }
        if (refunds.size() >= MAX_REFUNDS) {
            throw new InvalidStateTransitionException(status, Reason.LIMIT_REACHED,
                    "a payment holds at most " + MAX_REFUNDS + " refunds");
        }
        List<Refund> updated = new ArrayList<>(refunds);
        updated.add(new Refund(refundId, refundAmount, RefundStatus.PENDING, now, now, 1, null, null));
        return next(status, authorizedAmount, capturedAmount, updated, pending, attempts, processorReference,
                declineReason, failureReason, now, null);
    }

    /** Records that the pending refund {@code refundId} is being sent again (a resumed request). */
    public Payment resendRefund(String refundId, Instant now) {
        Refund refund = findRefund(refundId).orElse(null);
        if (refund == null || refund.status() != RefundStatus.PENDING) {
            return this;
        }
        return next(status, authorizedAmount, capturedAmount, replaceRefund(refund.resent(now)), pending, attempts,
                processorReference, declineReason, failureReason, now, null);
    }

    // ---- recording outcomes ---------------------------------------------------------------------------------

    /**
     * Records the processor's answer for the call of attempt {@code attemptId} (authorize, capture or cancel).
     * Returns {@code this} when the same outcome is already recorded.
     *
     * @param detail the processor reference when approved, else the reason
     * @throws OutcomeConflictException when a different outcome is already recorded for this attempt
     */
    public Payment recordOutcome(String attemptId, Outcome outcome, String rawDetail, Instant now) {
        String detail = bounded(rawDetail);
        if (!isPending(attemptId)) {
            Outcome recorded = recordedOutcome(attemptId);
            if (recorded == outcome) {
                return this;
            }
            throw new OutcomeConflictException(id, attemptId, String.valueOf(recorded), outcome.name());
        }
        return switch (pending.operation()) {
            case AUTHORIZE -> switch (outcome) {
                case APPROVED -> {
                    PaymentStatus to = captureRequested ? PaymentStatus.CAPTURED : PaymentStatus.AUTHORIZED;
                    yield next(to, amount, captureRequested ? amount : 0, refunds, null, attempts, detail, null, null,
                            now, captureRequested ? "authorized and captured" : "authorized");
                }
                case DECLINED -> next(PaymentStatus.DECLINED, 0, 0, refunds, null, attempts, processorReference,
                        detail, null, now, "declined: " + detail);
                case FAILED -> next(PaymentStatus.FAILED, 0, 0, refunds, null, attempts, processorReference, null,
                        detail, now, "failed: " + detail);
            };
            case CAPTURE -> {
                List<Attempt> finished = finish(outcome, detail, now);
                yield outcome == Outcome.APPROVED
                        ? next(PaymentStatus.CAPTURED, authorizedAmount, pending.amount(), refunds, null, finished,
                                processorReference, declineReason, failureReason, now,
                                pending.amount() < authorizedAmount ? "partially captured" : "captured")
                        : next(status, authorizedAmount, capturedAmount, refunds, null, finished, processorReference,
                                declineReason, failureReason, now, "capture " + describe(outcome, detail));
            }
            case CANCEL -> {
                List<Attempt> finished = finish(outcome, detail, now);
                yield outcome == Outcome.APPROVED
                        ? next(PaymentStatus.CANCELED, authorizedAmount, 0, refunds, null, finished,
                                processorReference, declineReason, failureReason, now, "canceled")
                        : next(status, authorizedAmount, capturedAmount, refunds, null, finished, processorReference,
                                declineReason, failureReason, now, "cancel " + describe(outcome, detail));
            }
        };
    }

    /**
     * Concludes that send number {@code sendsSeen} of attempt {@code attemptId} never reached the processor (its
     * lookup found nothing a grace period after that send). Applied only if the call is still pending and was not
     * re-sent since: a decision taken on an older view of the payment changes nothing.
     */
    public Payment neverArrived(String attemptId, int sendsSeen, Instant now) {
        return notExecuted(attemptId, sendsSeen, NEVER_ARRIVED, now);
    }

    /**
     * Records that attempt {@code attemptId} was not executed because send number {@code sendsSeen} could not
     * leave ({@code reason}) and it was the only send. A no-op if the call was sent again since, because the other
     * send may have reached the processor.
     */
    public Payment notExecuted(String attemptId, int sendsSeen, String reason, Instant now) {
        if (!isPending(attemptId) || pending.sends() != sendsSeen || sendsSeen != 1 && !NEVER_ARRIVED.equals(reason)) {
            return this;
        }
        return recordOutcome(attemptId, Outcome.FAILED, reason, now);
    }

    /** Reason recorded when a call's lookup found nothing after the grace period. */
    public static final String NEVER_ARRIVED = "never reached the processor";

    /**
     * Records the processor's answer for refund {@code refundId}; {@code this} when already recorded the same way.
     *
     * @throws OutcomeConflictException when a different outcome is already recorded for this refund
     */
    public Payment recordRefundOutcome(String refundId, Outcome outcome, String rawDetail, Instant now) {
        String detail = bounded(rawDetail);
        Refund refund = refund(refundId);
        RefundStatus target = outcome == Outcome.APPROVED ? RefundStatus.SUCCEEDED : RefundStatus.FAILED;
        if (refund.status() != RefundStatus.PENDING) {
            if (refund.status() == target) {
                return this;
            }
            throw new OutcomeConflictException(id, refundId, refund.status().name(), outcome.name());
        }
        Refund finished = outcome == Outcome.APPROVED ? refund.withOutcome(target, detail, null)
                : refund.withOutcome(target, null, describe(outcome, detail));
        List<Refund> updated = replaceRefund(finished);
        PaymentStatus to = status;
        if (outcome == Outcome.APPROVED) {
            long refunded = updated.stream().filter(r -> r.status() == RefundStatus.SUCCEEDED)
                    .mapToLong(Refund::amount).sum();
            to = refunded >= capturedAmount ? PaymentStatus.REFUNDED : PaymentStatus.PARTIALLY_REFUNDED;
        }
        return next(to, authorizedAmount, capturedAmount, updated, pending, attempts, processorReference,
                declineReason, failureReason, now, "refund " + refundId + " " + describe(outcome, null));
    }

    /** As {@link #neverArrived}, for a refund. */
    public Payment refundNeverArrived(String refundId, int sendsSeen, Instant now) {
        return refundNotExecuted(refundId, sendsSeen, NEVER_ARRIVED, now);
    }

    /** As {@link #notExecuted}, for a refund. */
    public Payment refundNotExecuted(String refundId, int sendsSeen, String reason, Instant now) {
        Refund refund = findRefund(refundId).orElse(null);
        if (refund == null || refund.status() != RefundStatus.PENDING || refund.sends() != sendsSeen
                || sendsSeen != 1 && !NEVER_ARRIVED.equals(reason)) {
            return this;
        }
        return recordRefundOutcome(refundId, Outcome.FAILED, reason, now);
    }

    /** The outcome recorded for a finished attempt (the payment id is the authorization's attempt), or null. */
    public Outcome recordedOutcome(String attemptId) {
        if (attemptId.equals(id)) {
            return switch (status) {
                case PENDING -> null;
                case DECLINED -> Outcome.DECLINED;
                case FAILED -> Outcome.FAILED;
                default -> Outcome.APPROVED;
            };
        }
        return finishedAttempt(attemptId).map(Attempt::outcome).orElse(null);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** Keeps every item bounded in bytes, whatever a processor sends. */
    private static String bounded(String detail) {
        return detail == null || detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL);
    }

    private static String describe(Outcome outcome, String detail) {
        String word = switch (outcome) {
            case APPROVED -> "succeeded";
            case DECLINED -> "declined";
            case FAILED -> "failed";
        };
        return detail == null ? word : word + ": " + detail;
    }

    private List<Attempt> finish(Outcome outcome, String detail, Instant now) {
        List<Attempt> updated = new ArrayList<>(attempts);
        updated.add(new Attempt(pending.attemptId(), pending.operation(), pending.amount(), outcome,
                outcome == Outcome.APPROVED ? null : detail, now));
        return updated;
    }

    private List<Refund> replaceRefund(Refund replacement) {
        List<Refund> updated = new ArrayList<>(refunds.size());
        for (Refund r : refunds) {
            updated.add(r.id().equals(replacement.id()) ? replacement : r);
        }
        return updated;
    }

    private void requireIdle(PaymentStatus required, String action, int maxAttempts) {
        if (pending != null) {
            throw new InvalidStateTransitionException(status, Reason.OPERATION_IN_PROGRESS,
                    "a " + pending.operation() + " is still in progress on this payment");
        }
        if (status != required) {
            throw new InvalidStateTransitionException(status, Reason.NOT_ALLOWED_IN_STATUS,
                    action + " is allowed only from " + required);
        }
        if (attempts.size() >= maxAttempts) {
            throw new InvalidStateTransitionException(status, Reason.LIMIT_REACHED,
                    "a payment holds at most " + maxAttempts + " " + action + " and earlier attempts");
        }
    }

    /** Builds the successor state; a non-null {@code reason} appends a history entry. */
    private Payment next(PaymentStatus to, long authorized, long captured, List<Refund> newRefunds,
                         PendingCall newPending, List<Attempt> newAttempts, String reference, String decline,
                         String failure, Instant now, String reason) {
        List<Transition> newHistory = history;
        if (reason != null) {
            newHistory = new ArrayList<>(history);
            newHistory.add(new Transition(status, to, now, reason));
        }
        return new Payment(id, merchantId, amount, currency, paymentMethod, description, metadata, captureRequested,
                to, authorized, captured, newRefunds, newPending, newAttempts, reference, decline, failure, newHistory,
                createdAt, now, version + 1, region);
    }
}
