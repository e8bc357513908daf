package com.acme.payments.histories;

import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.Payment;
import com.acme.payments.port.PaymentStore;
import com.acme.payments.testsupport.InMemoryPaymentStore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory payment table (same conditional semantics as the DynamoDB adapter) with the faults of a real one,
 * injected into the next writes ({@code create} or {@code update}) in order:
 * <ul>
 *   <li>{@link Fault#LOSE_RACE}: the version condition fails and nothing is written, as if another writer had got
 *       there first ({@link ConcurrentUpdateException});</li>
 *   <li>{@link Fault#COMMIT_THEN_CONFLICT}: the write commits, its response is lost, the SDK retries it and the retry
 *       fails the version condition: the caller sees {@link ConcurrentUpdateException} for a write that happened;</li>
 *   <li>{@link Fault#COMMIT_THEN_FAIL}: the write commits and the caller sees a DynamoDB 500
 *       ({@link DependencyException});</li>
 *   <li>{@link Fault#FAIL}: nothing is written and the caller sees a DynamoDB 500.</li>
 * </ul>
 * {@link #loseEveryRace} makes every write lose until switched off (a hot item under contention).
 */
final class FaultyPaymentStore implements PaymentStore {

    enum Fault { LOSE_RACE, COMMIT_THEN_CONFLICT, COMMIT_THEN_FAIL, FAIL }

    private final InMemoryPaymentStore table = new InMemoryPaymentStore();
    private final ConcurrentLinkedDeque<Fault> nextWrites = new ConcurrentLinkedDeque<>();
    private final AtomicBoolean loseEveryRace = new AtomicBoolean();
    private final AtomicInteger racesLost = new AtomicInteger();
    private final AtomicInteger committedWrites = new AtomicInteger();

    /** The next writes, in order, suffer these faults; later writes behave. */
    void nextWrites(Fault... faults) {
        nextWrites.addAll(List.of(faults));
    }

    void loseEveryRace(boolean on) {
        loseEveryRace.set(on);
    }

    /** Writes refused by a (simulated) lost version race so far. */
    int racesLost() {
        return racesLost.get();
    }

    /** Writes that reached the table so far. */
    int committedWrites() {
        return committedWrites.get();
    }

    /** Every stored payment. */
    List<Payment> all() {
        return table.all();
    }

    /** The stored payment; fails the test if there is none. */
    Payment stored(String paymentId) {
        return table.find(paymentId).orElseThrow(() -> new AssertionError("no payment " + paymentId + " stored"));
    }

    @Override
    public void create(Payment payment) {
        write(payment, () -> table.create(payment));
    }

    @Override
    public void update(Payment payment, long expectedVersion) {
        write(payment, () -> table.update(payment, expectedVersion));
    }

    private void write(Payment payment, Runnable commit) {
        Fault fault = loseEveryRace.get() ? Fault.LOSE_RACE : nextWrites.poll();
        if (fault == Fault.LOSE_RACE) {
            racesLost.incrementAndGet();
            throw new ConcurrentUpdateException(payment.id());
        }
        if (fault == Fault.FAIL) {
            throw new DependencyException("simulated DynamoDB 500 before the write", true, null);
        }
        commit.run();
        committedWrites.incrementAndGet();
        if (fault == Fault.COMMIT_THEN_CONFLICT) {
            // The SDK's automatic retry of the committed PutItem finds the new version: ConditionalCheckFailed.
            throw new ConcurrentUpdateException(payment.id());
        }
        if (fault == Fault.COMMIT_THEN_FAIL) {
            throw new DependencyException("simulated DynamoDB 500 after the write committed", true, null);
        }
    }

    @Override
    public Optional<Payment> find(String paymentId) {
        return table.find(paymentId);
    }

    @Override
    public Page list(String merchantId, int limit, String cursor) {
        return table.list(merchantId, limit, cursor);
    }

    @Override
    public List<String> duePending(Instant now, int limit) {
        return table.duePending(now, limit);
    }

    @Override
    public void deferReconciliation(String paymentId, long version, Instant notBefore) {
        table.deferReconciliation(paymentId, version, notBefore);
    }
}
