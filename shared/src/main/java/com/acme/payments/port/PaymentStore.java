package com.acme.payments.port;

import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.Payment;

import java.util.List;
import java.util.Optional;

/**
 * Durable storage of payments. Every write is conditional, so the store, not the caller, arbitrates races.
 *
 * @throws DependencyException from every method when the backing store fails
 */
public interface PaymentStore {

    /** Stores a new payment; fails with {@link ConcurrentUpdateException} if the id already exists. */
    void create(Payment payment);

    /** Strongly consistent read by id, for any merchant (the caller checks ownership). */
    Optional<Payment> find(String paymentId);

    /**
     * Replaces the payment if and only if the stored version still equals {@code expectedVersion}.
     *
     * @throws ConcurrentUpdateException when another writer got there first
     */
    void update(Payment payment, long expectedVersion);

    /**
     * The merchant's payments, newest first.
     *
     * @param cursor opaque value from a previous page, or null for the first page
     * @throws InvalidCursorException when the cursor was not issued to this merchant
     */
    Page list(String merchantId, int limit, String cursor);

    /**
     * Ids of payments with a processor call (their own or a refund's) whose reconciliation is due at or before
     * {@code now}, earliest first: the background reconciler's work list. A payment is due at
     * {@link com.acme.payments.domain.Payment#reconcileDueAt()}, or at the time of its deferral (below) while it has
     * not changed since. Backed by a sparse index holding only payments with pending calls.
     */
    List<String> duePending(java.time.Instant now, int limit);

    /**
     * Leaves the payment out of {@link #duePending} until {@code notBefore}, because a look came back inconclusive
     * (without this, a call the processor never answers stays first in the work list and starves every payment
     * behind it). Applies only while the stored version is still {@code version}: any write to the payment sets its
     * due time afresh from its pending calls, and a payment that changed in the meantime is left as it is.
     */
    void deferReconciliation(String paymentId, long version, java.time.Instant notBefore);

    /** One page of a listing; {@code nextCursor} is null on the last page. */
    record Page(List<Payment> items, String nextCursor) {
        public Page {
            items = List.copyOf(items);
        }
    }
}
