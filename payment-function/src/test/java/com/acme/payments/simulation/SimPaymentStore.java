package com.acme.payments.simulation;

import com.acme.payments.adapter.dynamodb.DynamoDbPaymentStore;
import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.Payment;
import com.acme.payments.port.PaymentStore;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The payments table with DynamoDB's conditional-write semantics and its failure modes: a write that fails before
 * it commits (a 5xx, throttling), one that commits and then loses its answer (the SDK gives up: a 503 to us), and
 * one that commits, is retried by the SDK and is then refused by its own version condition (a conditional-check
 * failure for a write that in fact happened). Reads can fail too. Every committed state is checked for the money
 * invariants and its DynamoDB item size.
 */
final class SimPaymentStore implements PaymentStore {
    private final Sim sim;
    final Map<String, Payment> items = new LinkedHashMap<>();
    private final Map<String, Deferral> deferrals = new LinkedHashMap<>();
    int lostWriteAnswers;
    int maxItemBytes;
    final List<String> stateViolations = new java.util.ArrayList<>();

    SimPaymentStore(Sim sim) {
        this.sim = sim;
    }

    @Override
    public void create(Payment payment) {
        write(payment, -1);
    }

    @Override
    public Optional<Payment> find(String paymentId) {
        sim.step();
        if (sim.fault(0.02)) {
            throw new DependencyException("simulated read failure", true, null);
        }
        return Optional.ofNullable(items.get(paymentId));
    }

    @Override
    public void update(Payment payment, long expectedVersion) {
        write(payment, expectedVersion);
    }

    /** expectedVersion -1: create (the id must not exist). */
    private void write(Payment payment, long expectedVersion) {
        sim.step();
        Instant now = sim.clock.instant();
        if (sim.fault(0.03)) {
            throw new DependencyException("simulated write failure before commit", true, null);
        }
        Payment current = items.get(payment.id());
        boolean ok = expectedVersion < 0 ? current == null : current != null && current.version() == expectedVersion;
        if (!ok) {
            throw new ConcurrentUpdateException(payment.id());
        }
        items.put(payment.id(), payment);
        check(payment);
        sim.trace.add(now, "table", "wrote " + payment.id() + " v" + payment.version() + " " + payment.status()
                + (payment.pending() == null ? "" : " pending " + payment.pending().operation() + "#"
                + payment.pending().sends()) + " refunds=" + payment.refunds().size());
        if (sim.fault(0.03)) {
            lostWriteAnswers++;
            sim.trace.add(now, "table", "answer lost (SDK gave up)");
            throw new DependencyException("simulated lost answer after commit", true, null);
        }
        if (sim.fault(0.03)) {
            lostWriteAnswers++;
            sim.trace.add(now, "table", "answer lost, SDK retry refused by the version condition");
            throw new ConcurrentUpdateException(payment.id());
        }
        sim.step();
    }

    private void check(Payment p) {
        maxItemBytes = Math.max(maxItemBytes, DynamoDbPaymentStore.itemSizeBytes(p));
        if (!(p.refundedAmount() <= p.capturedAmount() && p.capturedAmount() <= p.authorizedAmount())) {
            stateViolations.add("stored state breaks refunded <= captured <= authorized: " + p.id() + " v" + p.version());
        }
        if (p.refundableAmount() < 0) {
            stateViolations.add("refunds hold more than was captured: " + p.id() + " v" + p.version());
        }
    }

    @Override
    public Page list(String merchantId, int limit, String cursor) {
        sim.step();
        List<Payment> mine = items.values().stream().filter(p -> p.merchantId().equals(merchantId))
                .sorted(Comparator.comparing(Payment::createdAt).reversed()).limit(limit).toList();
        return new Page(mine, null);
    }

    @Override
    public List<String> duePending(Instant now, int limit) {
        sim.step();
        if (sim.fault(0.02)) {
            throw new DependencyException("simulated query failure", true, null);
        }
        return items.values().stream().filter(p -> p.reconcileDueAt() != null)
                .filter(p -> !dueAt(p).isAfter(now))
                .sorted(Comparator.comparing(this::dueAt)).limit(limit).map(Payment::id).toList();
    }

    @Override
    public void deferReconciliation(String paymentId, long version, Instant notBefore) {
        sim.step();
        if (sim.fault(0.02)) {
            throw new DependencyException("simulated write failure", true, null);
        }
        Payment current = items.get(paymentId);
        if (current != null && current.version() == version && current.reconcileDueAt() != null) {
            deferrals.put(paymentId, new Deferral(version, notBefore));
        }
    }

    /** Like the index's sort key: a deferral holds only while the payment is unchanged since. */
    private Instant dueAt(Payment p) {
        Deferral d = deferrals.get(p.id());
        return d != null && d.version() == p.version() ? d.notBefore() : p.reconcileDueAt();
    }

    private record Deferral(long version, Instant notBefore) { }
}
