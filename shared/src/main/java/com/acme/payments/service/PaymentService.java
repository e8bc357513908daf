package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.Attempt.Outcome;
import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.Money;
import com.acme.payments.domain.OutcomeConflictException;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentNotFoundException;
import com.acme.payments.domain.PendingCall;
import com.acme.payments.domain.Refund;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.logging.StructuredLog;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.port.PaymentProcessor.Result;
import com.acme.payments.port.PaymentStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The payment use cases. Every processor call is bracketed by two conditional writes: the first records the
 * pending call (so a crash leaves evidence), the second records the answer. Lost answers are reconciled by asking
 * the processor for the outcome of the same idempotency key, never by guessing.
 *
 * <p>Rules that keep our records equal to the processor's ledger under every interleaving (proved by the
 * simulator in payment-function's tests):
 * <ul>
 *   <li>every request works on one attempt id, from its idempotency claim; a retry of the request resumes that
 *       attempt: it re-sends the same processor key, after recording the re-send, or answers its recorded outcome;</li>
 *   <li>an outcome is applied only to the attempt it answers ({@link Payment#recordOutcome});</li>
 *   <li>"the processor never saw it" is concluded only {@link #RECONCILE_GRACE} after the <em>last</em> send, and only
 *       if no re-send happened since the decision was taken ({@link Payment#neverArrived}); after a failover, also
 *       only that long after this region became the writer (a send of the old region may not have reached us);</li>
 *   <li>once a processor call may have been sent, no failure is reported as "nothing happened": failing to record
 *       an outcome is a retryable {@link DependencyException}, so the idempotency claim is kept and a retry resumes.</li>
 * </ul>
 */
public final class PaymentService {
    private static final StructuredLog LOG = StructuredLog.get(PaymentService.class);
    /** Tries of a conditional write against a fresh read before it gives up. */
    private static final int WRITE_TRIES = 8;
    /**
     * How long after its last send a call may still reach the processor. "Not found" before then means "maybe in
     * flight"; after it, "never sent". Far longer than the processor timeout; the processor is assumed to record
     * every call it will ever execute within this time of its send.
     */
    public static final Duration RECONCILE_GRACE = Duration.ofSeconds(60);
    /**
     * Added to the moment this region became the writer before the grace counts from it: that moment is written by
     * the failover with the operator's clock, which may be a little behind AWS's.
     */
    static final Duration WRITER_CLOCK_MARGIN = Duration.ofSeconds(5);
    /** A GET looks up at most this many pending refunds; the background reconciler settles the rest. */
    static final int REFUND_LOOKUPS_PER_GET = 2;

    private final PaymentStore store;
    private final PaymentProcessor processor;
    private final Supplier<AppConfig> config;
    private final Clock clock;
    private final String region;
    private final Backoff backoff;
    private final Supplier<Instant> writerSince;

    public PaymentService(PaymentStore store, PaymentProcessor processor, Supplier<AppConfig> config, Clock clock,
                          String region) {
        this(store, processor, config, clock, region, Backoff.jittered());
    }

    /** For a region that has always been the writer (tests, the simulator). */
    public PaymentService(PaymentStore store, PaymentProcessor processor, Supplier<AppConfig> config, Clock clock,
                          String region, Backoff backoff) {
        this(store, processor, config, clock, region, backoff, () -> Instant.EPOCH);
    }

    /**
     * @param writerSince when this region became the writer (the write fence's active-region record; {@link
     *                    Instant#MAX} while it is not): another region may have sent calls we have not seen until
     *                    then, so "never sent" is concluded only {@link #RECONCILE_GRACE} after it, too
     */
    public PaymentService(PaymentStore store, PaymentProcessor processor, Supplier<AppConfig> config, Clock clock,
                          String region, Backoff backoff, Supplier<Instant> writerSince) {
        this.store = store;
        this.processor = processor;
        this.config = config;
        this.clock = clock;
        this.region = region;
        this.backoff = backoff;
        this.writerSince = writerSince;
    }

    // ---- create ------------------------------------------------------------------------------------------------

    /**
     * Creates and authorizes payment {@code paymentId}. If it exists already (a retry that took over an unfinished
     * idempotency claim), the authorization resumes: re-sent with the same processor key, or its outcome returned.
     *
     * @return the stored payment: AUTHORIZED/CAPTURED, DECLINED, FAILED, or PENDING when the outcome is unknown
     * @throws ValidationException when the configured policy refuses a new payment's currency or amount (nothing is
     *                             stored)
     */
    public Payment create(String merchantId, String paymentId, CreatePaymentCommand command) {
        Optional<Payment> existing = store.find(paymentId);
        boolean createdNow = false;
        if (existing.isEmpty()) {
            // The policy governs new payments. A resumed one passed it when its call was first sent: refusing it
            // now (the limits changed since) would answer "invalid" and free the key of a payment that may be
            // charged.
            checkPolicy(command.amount());
            Payment fresh = Payment.newPending(paymentId, merchantId, command.amount(),
                    command.paymentMethod().masked(), command.description(), command.metadata(), command.capture(),
                    clock.instant(), region);
            try {
                store.create(fresh);
                existing = Optional.of(fresh);
                createdNow = true;
            } catch (ConcurrentUpdateException alreadyThere) {
                // Our own write whose answer was lost (the SDK retried it), or a concurrent resume: read it back.
                existing = store.find(paymentId);
            }
        }
        Payment payment = owned(existing.orElseThrow(() -> new PaymentNotFoundException(paymentId)), merchantId);
        if (!createdNow) {
            // A resumed request: record the re-send first, so reconciliation measures its grace from now.
            // The send time is read inside the write's retry loop, so it is at most one write before the send.
            payment = apply(paymentId, p -> p.isPending(paymentId) ? p.resend(paymentId, clock.instant()) : p);
        }
        if (!payment.isPending(paymentId)) {
            return payment;
        }
        Result result = processor.authorize(new PaymentProcessor.AuthorizeRequest(paymentId,
                command.amount().minorUnits(), command.amount().currency(), command.paymentMethod().reveal(),
                command.capture(), payment.pending().processorKey()));
        return record(paymentId, paymentId, payment.pending().sends(), result, false);
    }

    private void checkPolicy(Money amount) {
        AppConfig cfg = config.get();
        if (!cfg.currencyAllowed(amount.currency())) {
            throw new ValidationException("currency", "is not accepted; accepted: " + cfg.currencyLimits().keySet());
        }
        if (amount.minorUnits() > cfg.maxAmount(amount.currency())) {
            throw new ValidationException(List.of(new FieldError("amount",
                    "exceeds the maximum " + cfg.maxAmount(amount.currency()) + " for " + amount.currency())));
        }
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    /**
     * The payment, with pending calls reconciled first when the processor can tell their outcome (the payment's
     * own call and at most {@link #REFUND_LOOKUPS_PER_GET} refunds; the background reconciler does the rest).
     *
     * @param mayWrite false where this region must not write (a standby region): the stored state is returned as is
     */
    public Payment get(String merchantId, String paymentId, boolean mayWrite) {
        Payment payment = owned(load(paymentId), merchantId);
        return mayWrite && payment.hasPendingCalls() ? reconcile(payment, REFUND_LOOKUPS_PER_GET) : payment;
    }

    public Payment get(String merchantId, String paymentId) {
        return get(merchantId, paymentId, true);
    }

    public PaymentStore.Page list(String merchantId, int limit, String cursor) {
        return store.list(merchantId, limit, cursor);
    }

    // ---- capture and cancel ------------------------------------------------------------------------------------

    /**
     * Captures all or part of the authorization, as attempt {@code attemptId}. A retry with the same attempt id
     * resumes it (re-sends the same processor key) or answers its recorded outcome.
     *
     * @return the payment, CAPTURED, or still AUTHORIZED with the capture pending when the answer is unknown
     * @throws ProcessorRejectedException when the processor refused; the payment stays AUTHORIZED
     */
    public Payment capture(String merchantId, String paymentId, String attemptId, Long amount) {
        return runAttempt(merchantId, paymentId, attemptId, p -> p.isPending(attemptId)
                ? p.resend(attemptId, clock.instant())
                : p.beginCapture(attemptId, amount == null ? p.authorizedAmount() : amount, clock.instant()));
    }

    /**
     * Voids the authorization, as attempt {@code attemptId} (resumed like {@link #capture}).
     *
     * @throws ProcessorRejectedException when the processor refused; the payment stays AUTHORIZED
     */
    public Payment cancel(String merchantId, String paymentId, String attemptId) {
        return runAttempt(merchantId, paymentId, attemptId, p -> p.isPending(attemptId)
                ? p.resend(attemptId, clock.instant()) : p.beginCancel(attemptId, clock.instant()));
    }

    private Payment runAttempt(String merchantId, String paymentId, String attemptId, UnaryOperator<Payment> start) {
        Payment current = owned(load(paymentId), merchantId);
        UnaryOperator<Payment> startOrResume = p -> p.recordedOutcome(attemptId) != null ? p : start.apply(p);
        // A retry of a begun attempt may have sent its call already (see apply).
        Payment started = current.isPending(attemptId) ? apply(paymentId, startOrResume)
                : transition(paymentId, startOrResume);
        if (!started.isPending(attemptId)) {
            return answer(started, attemptId);
        }
        PendingCall call = started.pending();
        Result result = switch (call.operation()) {
            case CAPTURE -> processor.capture(started.processorReference(), call.amount(), started.currency(),
                    call.processorKey());
            case CANCEL -> processor.voidAuthorization(started.processorReference(), call.processorKey());
            case AUTHORIZE -> throw new IllegalStateException("an authorization is not an attempt of its own");
        };
        Payment after = record(paymentId, attemptId, call.sends(), result, false);
        return after.isPending(attemptId) ? after : answer(after, attemptId);
    }

    /** The recorded answer of a finished capture or cancel attempt. */
    private static Payment answer(Payment payment, String attemptId) {
        var attempt = payment.finishedAttempt(attemptId).orElseThrow(() ->
                new IllegalStateException("attempt " + attemptId + " neither pending nor finished"));
        return switch (attempt.outcome()) {
            case APPROVED -> payment;
            case DECLINED -> throw new ProcessorRejectedException(payment, true, attempt.reason());
            case FAILED -> throw new ProcessorRejectedException(payment, false, attempt.reason());
        };
    }

    // ---- refunds -----------------------------------------------------------------------------------------------

    /**
     * Refunds part or all of the captured amount as refund {@code refundId}. Concurrent refunds are safe: each one
     * holds its amount in a conditional write before the processor is called, so their sum never exceeds the
     * captured amount. A retry with the same refund id resumes it or answers its recorded outcome.
     *
     * @throws ProcessorRejectedException when the processor refused; the refund is recorded as FAILED
     */
    public RefundOutcome refund(String merchantId, String paymentId, String refundId, long amount) {
        if (amount <= 0) {
            throw new ValidationException("amount", "must be a positive integer in minor units");
        }
        Payment current = owned(load(paymentId), merchantId);
        UnaryOperator<Payment> startOrResume = p -> p.findRefund(refundId).isPresent()
                ? p.resendRefund(refundId, clock.instant()) : p.beginRefund(refundId, amount, clock.instant());
        // A retry of a begun refund may have sent its call already (see apply).
        Payment started = current.findRefund(refundId).isPresent() ? apply(paymentId, startOrResume)
                : transition(paymentId, startOrResume);
        Refund refund = started.refund(refundId);
        Payment after = started;
        if (refund.status() == RefundStatus.PENDING) {
            Result result = processor.refund(started.processorReference(), refund.amount(), started.currency(),
                    refund.processorKey());
            after = recordRefund(paymentId, refundId, refund.sends(), result, false);
        }
        Refund finalRefund = after.refund(refundId);
        if (finalRefund.status() == RefundStatus.FAILED) {
            boolean declined = finalRefund.failureReason() != null && finalRefund.failureReason().startsWith("declined");
            throw new ProcessorRejectedException(after, declined, finalRefund.failureReason());
        }
        return new RefundOutcome(after, finalRefund);
    }

    /** A refund and the payment it belongs to, after the processor answered (or not). */
    public record RefundOutcome(Payment payment, Refund refund) { }

    // ---- recording outcomes ------------------------------------------------------------------------------------

    /**
     * @param sends      the send count of the call this result answers
     * @param fromLookup the answer of a lookup (the processor's record of the key), not of a send
     */
    private Payment record(String paymentId, String attemptId, int sends, Result result, boolean fromLookup) {
        Instant now = clock.instant();
        return switch (result) {
            case Result.NotSent n -> apply(paymentId, p -> p.notExecuted(attemptId, sends, n.reason(), now));
            case Result.Approved a -> apply(paymentId, p -> p.recordOutcome(attemptId, Outcome.APPROVED, a.reference(), now));
            case Result.Declined d -> apply(paymentId, p -> p.recordOutcome(attemptId, Outcome.DECLINED, d.reason(), now));
            // A send's "failed" may come from in front of the processor's idempotency layer (a rate limit, a key
            // rotation): it proves nothing about an earlier send of the key, so it settles only a first send.
            case Result.Failed f -> fromLookup
                    ? apply(paymentId, p -> p.recordOutcome(attemptId, Outcome.FAILED, f.reason(), now))
                    : apply(paymentId, p -> p.notExecuted(attemptId, sends, f.reason(), now));
            case Result.Unknown u -> load(paymentId);
            case Result.NotFound n -> load(paymentId);
        };
    }

    private Payment recordRefund(String paymentId, String refundId, int sends, Result result, boolean fromLookup) {
        Instant now = clock.instant();
        return switch (result) {
            case Result.NotSent n -> apply(paymentId, p -> p.refundNotExecuted(refundId, sends, n.reason(), now));
            case Result.Approved a -> apply(paymentId, p -> p.recordRefundOutcome(refundId, Outcome.APPROVED, a.reference(), now));
            case Result.Declined d -> apply(paymentId, p -> p.recordRefundOutcome(refundId, Outcome.DECLINED, d.reason(), now));
            case Result.Failed f -> fromLookup
                    ? apply(paymentId, p -> p.recordRefundOutcome(refundId, Outcome.FAILED, f.reason(), now))
                    : apply(paymentId, p -> p.refundNotExecuted(refundId, sends, f.reason(), now));
            case Result.Unknown u -> load(paymentId);
            case Result.NotFound n -> load(paymentId);
        };
    }

    // ---- reconciliation ----------------------------------------------------------------------------------------

    /**
     * Asks the processor what happened to calls whose answer we never recorded: the payment's own pending call and
     * up to {@code refundLookups} pending refunds. "Not found" counts as "never sent" only {@link #RECONCILE_GRACE}
     * after the last send, and only if the call was not re-sent since this view of the payment was read.
     */
    public Payment reconcile(Payment payment, int refundLookups) {
        return reconcile(payment, refundLookups, () -> true);
    }

    /**
     * As {@link #reconcile(Payment, int)}, asking {@code mayWrite} (the write fence) before each lookup: a long run
     * of lookups in a region that is fenced meanwhile stops within the fence's view plus one lookup and its write.
     */
    public Payment reconcile(Payment payment, int refundLookups, java.util.function.BooleanSupplier mayWrite) {
        Payment current = payment;
        PendingCall call = current.pending();
        if (call != null) {
            if (!mayWrite.getAsBoolean()) {
                return current;
            }
            Result result = processor.lookup(call.processorKey());
            current = settle(current, call.attemptId(), call.sends(), call.lastSentAt(), result, false);
        }
        int looked = 0;
        for (Refund refund : current.refunds()) {
            if (refund.status() != RefundStatus.PENDING || looked++ >= refundLookups) {
                continue;
            }
            if (!mayWrite.getAsBoolean()) {
                return current;
            }
            Result result = processor.lookup(refund.processorKey());
            current = settle(current, refund.id(), refund.sends(), refund.lastSentAt(), result, true);
        }
        return current;
    }

    /**
     * Whether a call last sent at {@code lastSentAt}, as far as this region knows, can no longer reach the processor.
     * Counted from the later of that send and the moment this region became the writer: a re-send by the region that
     * wrote before (its record lost with it in an emergency failover) is newer than anything we saw.
     */
    private boolean graceOver(Instant lastSentAt, Instant now) {
        Instant since = writerSince.get();
        if (since == null || !since.isBefore(now)) {
            return false; // not the writer (or no view of it): never conclude "never sent"
        }
        Instant from = since.plus(WRITER_CLOCK_MARGIN).isAfter(lastSentAt) ? since.plus(WRITER_CLOCK_MARGIN)
                : lastSentAt;
        return now.isAfter(from.plus(RECONCILE_GRACE));
    }

    private Payment settle(Payment current, String callId, int sendsSeen, Instant lastSentAt, Result result,
                           boolean isRefund) {
        Instant now = clock.instant();
        try {
            if (result instanceof Result.NotFound) {
                if (!graceOver(lastSentAt, now)) {
                    return current; // may still be on its way
                }
                return isRefund ? apply(current.id(), p -> p.refundNeverArrived(callId, sendsSeen, now))
                        : apply(current.id(), p -> p.neverArrived(callId, sendsSeen, now));
            }
            if (result instanceof Result.Unknown || result instanceof Result.NotSent) {
                return current;
            }
            return isRefund ? recordRefund(current.id(), callId, sendsSeen, result, true)
                    : record(current.id(), callId, sendsSeen, result, true);
        } catch (OutcomeConflictException conflict) {
            // Our records and the processor's ledger disagree: an operator must look. Never hidden, never "fixed".
            LOG.error("processor outcome conflicts with our record", conflict, "alarm", "ProcessorLedgerConflict");
            return load(current.id());
        }
    }

    // ---- persistence helpers -----------------------------------------------------------------------------------

    private Payment load(String paymentId) {
        return store.find(paymentId).orElseThrow(() -> new PaymentNotFoundException(paymentId));
    }

    private static Payment owned(Payment payment, String merchantId) {
        if (!payment.merchantId().equals(merchantId)) {
            // Same answer as an unknown id: ids of other merchants cannot be probed.
            throw new PaymentNotFoundException(payment.id());
        }
        return payment;
    }

    /**
     * Applies a transition before any processor call. Transitions are idempotent, so a write whose answer was lost
     * is recognised on the next read (the transition returns the state unchanged) and never applied twice. Losing
     * every race before a new call means nothing was written and nothing sent: {@link ConcurrentUpdateException}
     * (409) is then safe. Once a call may have been sent, writes go through {@link #apply}.
     */
    private Payment transition(String paymentId, UnaryOperator<Payment> transition) {
        for (int attempt = 1; ; attempt++) {
            Payment current = load(paymentId);
            Payment next = transition.apply(current);
            if (next == current) {
                return current;
            }
            try {
                store.update(next, current.version());
                return next;
            } catch (ConcurrentUpdateException e) {
                if (attempt >= WRITE_TRIES) {
                    throw e;
                }
                backoff.pause(attempt);
            }
        }
    }

    /**
     * A write made after a processor call of this request may have been sent: recording its answer, or recording
     * the re-send of a resumed call (whose earlier send may have moved money). Giving up must never look like
     * "nothing happened" (a 409 frees the idempotency key, and the client's retry would start a second payment or
     * refund): after losing every race it fails with a retryable {@link DependencyException}, which keeps the
     * claim; the client's retry resumes the call and records it then.
     */
    private Payment apply(String paymentId, UnaryOperator<Payment> transition) {
        try {
            return transition(paymentId, transition);
        } catch (ConcurrentUpdateException e) {
            throw new DependencyException("could not write payment " + paymentId + " after " + WRITE_TRIES
                    + " tries; a processor call may have been sent", true, e);
        }
    }
}
