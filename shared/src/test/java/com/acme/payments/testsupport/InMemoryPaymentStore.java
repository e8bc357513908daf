package com.acme.payments.testsupport;

import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.Payment;
import com.acme.payments.port.InvalidCursorException;
import com.acme.payments.port.PaymentStore;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link PaymentStore} in memory with the DynamoDB adapter's conditional semantics: {@code create} fails if the id
 * exists, {@code update} succeeds only if the stored version is still the expected one. Both checks are atomic
 * (one {@link ConcurrentHashMap} operation each), so concurrency tests exercise the same races as the real table.
 *
 * <p>Listing is newest first by {@code createdAt}, then id, scoped to the merchant; cursors are opaque and bound to
 * the merchant they were issued to.
 *
 * <p>{@link #duePending} reads like the sparse {@code pending-calls-index}: only payments with a pending call, sorted
 * by when their reconciliation is due (or deferred to) and then id, up to and including the bound.
 */
public final class InMemoryPaymentStore implements PaymentStore {
    /** The order of the {@code merchant-created-index} GSI read backwards: newest first, id breaks ties. */
    private static final Comparator<Position> NEWEST_FIRST =
            Comparator.comparing(Position::createdAt).thenComparing(Position::id).reversed();
    private static final String CURSOR_VERSION = "v1";

    private final ConcurrentHashMap<String, Payment> payments = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Deferral> deferrals = new ConcurrentHashMap<>();

    @Override
    public void create(Payment payment) {
        if (payments.putIfAbsent(payment.id(), payment) != null) {
            throw new ConcurrentUpdateException(payment.id());
        }
    }

    @Override
    public Optional<Payment> find(String paymentId) {
        return Optional.ofNullable(payments.get(paymentId));
    }

    @Override
    public void update(Payment payment, long expectedVersion) {
        // compute() runs the check and the write under the map's lock for this key; an exception thrown inside
        // leaves the stored value unchanged, exactly like a failed condition expression.
        payments.compute(payment.id(), (id, current) -> {
            if (current == null || current.version() != expectedVersion) {
                throw new ConcurrentUpdateException(id);
            }
            return payment;
        });
    }

    @Override
    public Page list(String merchantId, int limit, String cursor) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        Position after = cursor == null ? null : decodeCursor(cursor, merchantId);
        List<Payment> remaining = payments.values().stream()
                .filter(p -> p.merchantId().equals(merchantId))
                .filter(p -> after == null || NEWEST_FIRST.compare(Position.of(p), after) > 0)
                .sorted(Comparator.comparing(Position::of, NEWEST_FIRST))
                .toList();
        List<Payment> page = remaining.subList(0, Math.min(limit, remaining.size()));
        String next = remaining.size() > limit ? encodeCursor(merchantId, Position.of(page.getLast())) : null;
        return new Page(page, next);
    }

    @Override
    public List<String> duePending(Instant now, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        return payments.values().stream()
                .filter(p -> p.reconcileDueAt() != null && !dueAt(p).isAfter(now))
                .sorted(Comparator.comparing(this::dueAt).thenComparing(Payment::id))
                .limit(limit)
                .map(Payment::id)
                .toList();
    }

    @Override
    public void deferReconciliation(String paymentId, long version, Instant notBefore) {
        payments.computeIfPresent(paymentId, (id, current) -> {
            if (current.version() == version && current.reconcileDueAt() != null) {
                deferrals.put(id, new Deferral(version, notBefore));
            }
            return current;
        });
    }

    /** Like the index's sort key: a deferral holds only while the payment is unchanged since. */
    private Instant dueAt(Payment p) {
        Deferral d = deferrals.get(p.id());
        return d != null && d.version() == p.version() ? d.notBefore() : p.reconcileDueAt();
    }

    private record Deferral(long version, Instant notBefore) { }

    /** Every stored payment, in no particular order (for assertions across merchants). */
    public List<Payment> all() {
        return List.copyOf(payments.values());
    }

    private record Position(Instant createdAt, String id) {
        static Position of(Payment p) {
            return new Position(p.createdAt(), p.id());
        }
    }

    private static String encodeCursor(String merchantId, Position last) {
        String raw = String.join("\n", CURSOR_VERSION, merchantId, last.createdAt().toString(), last.id());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static Position decodeCursor(String cursor, String merchantId) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8)
                    .split("\n", -1);
            if (parts.length != 4 || !parts[0].equals(CURSOR_VERSION) || !parts[1].equals(merchantId)
                    || parts[3].isEmpty()) {
                throw new InvalidCursorException();
            }
            return new Position(Instant.parse(parts[2]), parts[3]);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new InvalidCursorException();
        }
    }
}
