package com.acme.payments.service;

import com.acme.payments.domain.Payment;
import com.acme.payments.logging.StructuredLog;
import com.acme.payments.port.PaymentStore;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The background reconciler: settles every payment whose processor call (its own or a refund's) has waited longer
 * than {@link Payment#RECONCILE_AFTER}, so no payment depends on someone reading it to settle. Run on a schedule (an
 * EventBridge rule in template.yaml, a timer in the local runtime). Works through a bounded batch per run, earliest
 * due first; what is left is picked up by the next run.
 *
 * <p>A look that settles nothing (the processor answers "unknown", or "not found" within the grace) defers that
 * payment by {@link #backoff}: a quarter of its call's age, between 30 s and 15 min. Without it, calls the processor
 * never answers would stay first in the work list and, once there are a batch of them, starve every payment behind
 * them. Any write to the payment (a client's retry, a new refund) ends the deferral.
 */
public final class Reconciler {
    private static final StructuredLog LOG = StructuredLog.get(Reconciler.class);
    /** The shortest and longest wait before an inconclusive payment is looked at again. */
    static final Duration MIN_BACKOFF = Duration.ofSeconds(30);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(15);
    /** Refund lookups per payment per run, so one payment with many pending refunds cannot starve the others. */
    static final int REFUND_LOOKUPS_PER_PAYMENT = 10;
    /** A call still unsettled this long after its last send raises an alarm (a log line with {@code alarm}). */
    static final Duration OVERDUE = Duration.ofHours(1);

    private final PaymentStore store;
    private final PaymentService payments;
    private final Clock clock;
    private final BooleanSupplier mayWrite;

    /** A reconciler for a region that always takes writes (tests, the simulator). */
    public Reconciler(PaymentStore store, PaymentService payments, Clock clock) {
        this(store, payments, clock, () -> true);
    }

    /**
     * @param mayWrite the region's write fence (issue 12), asked before each payment: where it says no (a standby
     *                 region), the run settles nothing and leaves the work to the active region's reconciler
     */
    public Reconciler(PaymentStore store, PaymentService payments, Clock clock, BooleanSupplier mayWrite) {
        this.store = store;
        this.payments = payments;
        this.clock = clock;
        this.mayWrite = mayWrite;
    }

    /** What one run did. */
    public record Report(int examined, int settled, int stillPending, int failed) { }

    /** Reconciles up to {@code maxPayments} due payments, with no time limit (tests, the local timer). */
    public Report run(int maxPayments) {
        return run(maxPayments, java.time.Instant.MAX);
    }

    /**
     * Reconciles up to {@code maxPayments} due payments, starting none once {@code budget} (the invocation's
     * remaining time, less the longest lookup) has passed on this reconciler's clock.
     */
    public Report run(int maxPayments, Duration budget) {
        return run(maxPayments, clock.instant().plus(budget));
    }

    /**
     * Reconciles up to {@code maxPayments} due payments, starting none after {@code deadline}; one payment's
     * failure does not stop the others.
     */
    public Report run(int maxPayments, java.time.Instant deadline) {
        if (!mayWrite.getAsBoolean()) {
            LOG.info("reconciliation skipped: this region does not take writes; the active region's reconciler runs");
            return new Report(0, 0, 0, 0);
        }
        List<String> due = store.duePending(clock.instant(), maxPayments);
        int settled = 0;
        int pending = 0;
        int failed = 0;
        for (String id : due) {
            if (clock.instant().isAfter(deadline)) {
                pending++;
                continue;
            }
            // Asked per payment, and again before each lookup (a cached view, at most the fence TTL old): a failover
            // during a run stops it there, so its writes end within the fence TTL plus one lookup and its write,
            // inside the failover's wait. The function's timeout (no longer than the API's, TemplateDesignRulesTest)
            // is the hard bound.
            if (!mayWrite.getAsBoolean()) {
                pending++;
                continue;
            }
            try {
                Payment before = store.find(id).orElse(null);
                if (before == null || !before.hasPendingCalls()) {
                    continue;
                }
                Payment after = payments.reconcile(before, REFUND_LOOKUPS_PER_PAYMENT, mayWrite);
                if (after.hasPendingCalls()) {
                    pending++;
                    java.time.Instant now = clock.instant();
                    java.time.Instant oldest = after.oldestPendingSend();
                    if (oldest.isBefore(now.minus(OVERDUE))) {
                        // Lookups keep coming back inconclusive: someone must look at the processor's side.
                        LOG.error("pending call overdue", null, "paymentId", id, "alarm", "PendingCallOverdue",
                                "pendingSince", oldest.toString());
                    }
                    if (after.version() == before.version() && mayWrite.getAsBoolean()) {
                        // Nothing settled: look again later. (A look that settled something wrote the payment,
                        // which made the rest due again right away.)
                        defer(after, now.plus(backoff(Duration.between(oldest, now))));
                    }
                } else {
                    settled++;
                }
            } catch (RuntimeException e) {
                // One bad item (unreadable, conflicting) must not stop the run for every other payment.
                failed++;
                LOG.warn("reconciliation failed", "paymentId", id, "errorType", e.getClass().getSimpleName());
            }
        }
        if (!due.isEmpty()) {
            LOG.info("reconciliation run", "examined", due.size(), "settled", settled, "stillPending", pending,
                    "failed", failed);
        }
        return new Report(due.size(), settled, pending, failed);
    }

    /** How long an inconclusive payment waits before the next look, given how long its oldest call has waited. */
    static Duration backoff(Duration age) {
        Duration quarter = age.dividedBy(4);
        return quarter.compareTo(MIN_BACKOFF) < 0 ? MIN_BACKOFF
                : quarter.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : quarter;
    }

    private void defer(Payment payment, java.time.Instant notBefore) {
        try {
            store.deferReconciliation(payment.id(), payment.version(), notBefore);
        } catch (RuntimeException e) {
            // Not deferred: the payment stays due and is looked at again next run, which is only slower.
            LOG.warn("reconciliation not deferred", "paymentId", payment.id(), "errorType",
                    e.getClass().getSimpleName());
        }
    }
}
