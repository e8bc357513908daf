package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.InvalidStateTransitionException;
import com.acme.payments.domain.Operation;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentNotFoundException;
import com.acme.payments.domain.Refund;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.port.PaymentProcessor.Result;
import com.acme.payments.port.PaymentStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The payment use cases. Every processor call is bracketed by two conditional writes: the first records the
 * pending operation (so a crash leaves evidence), the second records the answer. Lost answers are reconciled by
 * asking the processor for the outcome of the same idempotency key, never by guessing.
 */
public final class PaymentService {
    /** How often a conditional write is retried against a fresh read before giving up with 409. */
    private static final int MAX_ATTEMPTS = 8;
    /** How long an unanswered call may still be on its way to the processor before "not found" means "never sent". */
    static final Duration RECONCILE_GRACE = Duration.ofSeconds(60);

    private final PaymentStore store;
    private final PaymentProcessor processor;
    private final Supplier<AppConfig> config;
    private final Clock clock;
    private final String region;

    public PaymentService(PaymentStore store, PaymentProcessor processor, Supplier<AppConfig> config, Clock clock,
                          String region) {
        this.store = store;
        this.processor = processor;
        this.config = config;
        this.clock = clock;
        this.region = region;
    }

    /** Validates a create request against the current configuration. */
    public void validate(CreatePaymentCommand command) {
        PaymentValidator.validate(command, config.get());
    }

    /**
     * Creates and authorizes a payment with the given id. If a payment with that id exists already (a retry that
     * took over an abandoned idempotency claim), the work resumes on it instead.
     *
     * @return the stored payment: AUTHORIZED/CAPTURED, DECLINED, FAILED, or PENDING when the outcome is unknown
     */
    public Payment create(String merchantId, String paymentId, CreatePaymentCommand command) {
        validate(command);
        Optional<Payment> existing = store.find(paymentId);
        Payment payment;
        if (existing.isPresent()) {
            payment = owned(existing.get(), merchantId);
            if (payment.pendingOperation() != Operation.AUTHORIZE) {
                return payment;
            }
        } else {
            payment = Payment.newPending(paymentId, merchantId, command.amount(), command.currency(),
                    PaymentValidator.mask(command.paymentMethod()), command.description(), command.metadata(),
                    command.capture(), clock.instant(), region);
            store.create(payment);
        }
        Result result = processor.authorize(new PaymentProcessor.AuthorizeRequest(paymentId, command.amount(),
                command.currency(), command.paymentMethod(), command.capture(), authorizeKey(paymentId)));
        return recordAuthorization(paymentId, result);
    }

    /** The payment, with a pending operation reconciled first when the processor can tell its outcome. */
    public Payment get(String merchantId, String paymentId) {
        return get(merchantId, paymentId, () -> true);
    }

    /**
     * Write-fence hook (issue 12): as {@link #get(String, String)}, but reconciliation, which writes, runs only
     * when {@code mayWrite} allows it; asked only for a payment with pending work. The API passes the region's
     * write fence, so a GET in the standby region never writes and its pending work waits for the active region.
     */
    public Payment get(String merchantId, String paymentId, BooleanSupplier mayWrite) {
        Payment payment = owned(load(paymentId), merchantId);
        if ((payment.pendingOperation() != null
                || payment.refunds().stream().anyMatch(r -> r.status() == RefundStatus.PENDING))
                && mayWrite.getAsBoolean()) {
            return reconcile(payment);
        }
        return payment;
    }

    public PaymentStore.Page list(String merchantId, int limit, String cursor) {
        return store.list(merchantId, limit, cursor);
    }

    /**
     * Captures all or part of the authorization (one capture per payment).
     *
     * @return the payment, CAPTURED, or still AUTHORIZED with a pending CAPTURE when the answer is unknown
     * @throws ProcessorRejectedException when the processor refused; the payment stays AUTHORIZED
     */
    public Payment capture(String merchantId, String paymentId, Long amount) {
        Payment started = mutate(paymentId, merchantId,
                p -> p.beginCapture(amount == null ? p.authorizedAmount() : amount, attemptKey(p, "capture"),
                        clock.instant()));
        Result result = processor.capture(started.processorReference(), started.pendingAmount(), started.currency(),
                started.pendingOperationId());
        return recordSimple(paymentId, Operation.CAPTURE, result);
    }

    /**
     * Voids the authorization.
     *
     * @throws ProcessorRejectedException when the processor refused; the payment stays AUTHORIZED
     */
    public Payment cancel(String merchantId, String paymentId) {
        Payment started = mutate(paymentId, merchantId, p -> p.beginCancel(attemptKey(p, "cancel"), clock.instant()));
        Result result = processor.voidAuthorization(started.processorReference(), started.pendingOperationId());
        return recordSimple(paymentId, Operation.CANCEL, result);
    }

    /**
     * Refunds part or all of the captured amount. Concurrent refunds are safe: each one holds its amount in a
     * conditional write before the processor is called, so their sum can never exceed the captured amount.
     *
     * @param refundId a fresh id, or the id of an earlier attempt of the same request (then it resumes)
     * @throws ProcessorRejectedException when the processor refused; the refund is recorded as FAILED
     */
    public RefundOutcome refund(String merchantId, String paymentId, String refundId, long amount) {
        if (amount <= 0) {
            throw new ValidationException("amount", "must be a positive integer in minor units");
        }
        Payment current = owned(load(paymentId), merchantId);
        boolean resumed = current.refunds().stream().anyMatch(r -> r.id().equals(refundId));
        Payment started = resumed ? current
                : mutate(paymentId, merchantId, p -> p.beginRefund(refundId, amount, clock.instant()));
        Refund refund = started.refund(refundId);
        if (refund.status() != RefundStatus.PENDING) {
            return new RefundOutcome(started, refund);
        }
        Result result = processor.refund(started.processorReference(), refund.amount(), started.currency(),
                refundKey(refundId));
        Payment after = recordRefund(paymentId, refundId, result);
        Refund finalRefund = after.refund(refundId);
        if (finalRefund.status() == RefundStatus.FAILED) {
            throw new ProcessorRejectedException(after, result instanceof Result.Declined, finalRefund.failureReason());
        }
        return new RefundOutcome(after, finalRefund);
    }

    /** A refund and the payment it belongs to, after the processor answered (or not). */
    public record RefundOutcome(Payment payment, Refund refund) { }

    // ---- recording outcomes ------------------------------------------------------------------------------

    private Payment recordAuthorization(String paymentId, Result result) {
        Instant now = clock.instant();
        return switch (result) {
            case Result.Approved a -> apply(paymentId, p -> p.authorized(a.reference(), now));
            case Result.Declined d -> apply(paymentId, p -> p.declined(d.reason(), now));
            case Result.Failed f -> apply(paymentId, p -> p.failed(f.reason(), now));
            case Result.Unknown u -> load(paymentId);
            case Result.NotFound n -> load(paymentId);
        };
    }

    private Payment recordSimple(String paymentId, Operation operation, Result result) {
        Instant now = clock.instant();
        Payment after = switch (result) {
            case Result.Approved a -> apply(paymentId, p -> operation == Operation.CAPTURE ? p.captured(now) : p.canceled(now));
            case Result.Declined d -> apply(paymentId, p -> failOperation(p, operation, "declined: " + d.reason(), now));
            case Result.Failed f -> apply(paymentId, p -> failOperation(p, operation, "processor error: " + f.reason(), now));
            case Result.Unknown u -> load(paymentId);
            case Result.NotFound n -> load(paymentId);
        };
        if (result instanceof Result.Declined d) {
            throw new ProcessorRejectedException(after, true, d.reason());
        }
        if (result instanceof Result.Failed f) {
            throw new ProcessorRejectedException(after, false, f.reason());
        }
        return after;
    }

    private static Payment failOperation(Payment p, Operation operation, String reason, Instant now) {
        return operation == Operation.CAPTURE ? p.captureFailed(reason, now) : p.cancelFailed(reason, now);
    }

    private Payment recordRefund(String paymentId, String refundId, Result result) {
        Instant now = clock.instant();
        return switch (result) {
            case Result.Approved a -> apply(paymentId, p -> p.refundSucceeded(refundId, a.reference(), now));
            case Result.Declined d -> apply(paymentId, p -> p.refundFailed(refundId, "declined: " + d.reason(), now));
            case Result.Failed f -> apply(paymentId, p -> p.refundFailed(refundId, "processor error: " + f.reason(), now));
            case Result.Unknown u -> load(paymentId);
            case Result.NotFound n -> load(paymentId);
        };
    }

    // ---- reconciliation ----------------------------------------------------------------------------------

    /**
     * Asks the processor what happened to calls whose answer we never recorded. "Not found" only counts once the
     * grace period has passed, because a slow request may still be on its way.
     */
    Payment reconcile(Payment payment) {
        boolean graceOver = clock.instant().isAfter(payment.updatedAt().plus(RECONCILE_GRACE));
        Payment current = payment;
        if (current.pendingOperation() != null) {
            Result result = processor.lookup(current.pendingOperationId());
            if (result instanceof Result.NotFound) {
                result = graceOver ? new Result.Failed("never reached the processor") : new Result.Unknown("in flight");
            }
            try {
                current = current.pendingOperation() == Operation.AUTHORIZE
                        ? recordAuthorization(current.id(), result)
                        : recordSimple(current.id(), current.pendingOperation(), result);
            } catch (ProcessorRejectedException e) {
                current = e.payment();
            }
        }
        for (Refund refund : current.refunds()) {
            if (refund.status() != RefundStatus.PENDING) {
                continue;
            }
            Result result = processor.lookup(refundKey(refund.id()));
            if (result instanceof Result.NotFound) {
                result = graceOver ? new Result.Failed("never reached the processor") : new Result.Unknown("in flight");
            }
            current = recordRefund(current.id(), refund.id(), result);
        }
        return current;
    }

    // ---- persistence helpers -----------------------------------------------------------------------------

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

    /** Applies a caller-initiated transition on the merchant's payment, retrying on lost version races. */
    private Payment mutate(String paymentId, String merchantId, UnaryOperator<Payment> transition) {
        for (int attempt = 1; ; attempt++) {
            Payment current = owned(load(paymentId), merchantId);
            Payment next = transition.apply(current);
            try {
                store.update(next, current.version());
                return next;
            } catch (ConcurrentUpdateException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                backoff(attempt);
            }
        }
    }

    /**
     * Records a processor answer. Retries on version races (another refund may have been written meanwhile);
     * if the pending operation was already recorded by someone else (reconciliation), returns that state.
     */
    private Payment apply(String paymentId, UnaryOperator<Payment> transition) {
        for (int attempt = 1; ; attempt++) {
            Payment current = load(paymentId);
            Payment next;
            try {
                next = transition.apply(current);
            } catch (InvalidStateTransitionException alreadyRecorded) {
                return current;
            }
            try {
                store.update(next, current.version());
                return next;
            } catch (ConcurrentUpdateException e) {
                if (attempt >= MAX_ATTEMPTS * 2) {
                    throw e;
                }
                backoff(attempt);
            }
        }
    }

    private static void backoff(int attempt) {
        try {
            // Small jittered pause so that a storm of conflicting writers spreads out.
            Thread.sleep(Math.min(50, 2L << attempt) + java.util.concurrent.ThreadLocalRandom.current().nextInt(5));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new ConcurrentUpdateException("interrupted");
        }
    }

    static String authorizeKey(String paymentId) {
        return paymentId + ":authorize";
    }

    /**
     * Each capture or cancel attempt gets its own processor key (the payment's version makes it unique), so a new
     * attempt after a refusal is a new request rather than a replay of the refusal.
     */
    static String attemptKey(Payment payment, String operation) {
        return payment.id() + ":" + operation + ":" + (payment.version() + 1);
    }

    static String refundKey(String refundId) {
        return refundId + ":refund";
    }
}
