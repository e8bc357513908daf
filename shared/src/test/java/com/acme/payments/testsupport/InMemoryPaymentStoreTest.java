package com.acme.payments.testsupport;

import com.acme.payments.domain.Attempt.Outcome;
import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.Money;
import com.acme.payments.domain.Payment;
import com.acme.payments.port.InvalidCursorException;
import com.acme.payments.port.PaymentStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fake must keep the real store's contract, or tests built on it prove nothing about production. */
class InMemoryPaymentStoreTest {
    private static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

    private final InMemoryPaymentStore store = new InMemoryPaymentStore();

    private static Payment payment(String id, String merchant, Instant createdAt) {
        return Payment.newPending(id, merchant, Money.of(100, "USD"), "tok_…4242", null, Map.of(), false, createdAt,
                "us-east-1");
    }

    @Test
    void create_thenFind_returnsThePayment() {
        Payment p = payment("pay_1", "m", T0);
        store.create(p);

        assertThat(store.find("pay_1")).contains(p);
        assertThat(store.find("pay_2")).isEmpty();
    }

    @Test
    void create_withAnExistingId_failsAndKeepsTheOriginal() {
        Payment original = payment("pay_1", "m", T0);
        store.create(original);

        assertThatThrownBy(() -> store.create(payment("pay_1", "other", T0)))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.find("pay_1")).contains(original);
    }

    @Test
    void update_succeedsOnlyAgainstTheExpectedVersion() {
        Payment v0 = payment("pay_1", "m", T0);
        store.create(v0);
        Payment v1 = v0.recordOutcome("pay_1", Outcome.APPROVED, "auth_1", T0);

        assertThatThrownBy(() -> store.update(v1, 5)).isInstanceOf(ConcurrentUpdateException.class);
        assertThat(store.find("pay_1")).contains(v0);

        store.update(v1, 0);
        assertThat(store.find("pay_1")).contains(v1);
        // A second writer that also started from version 0 loses.
        assertThatThrownBy(() -> store.update(v0.recordOutcome("pay_1", Outcome.FAILED, "x", T0), 0)).isInstanceOf(ConcurrentUpdateException.class);
    }

    @Test
    void update_ofAMissingPayment_fails() {
        assertThatThrownBy(() -> store.update(payment("pay_9", "m", T0), 0))
                .isInstanceOf(ConcurrentUpdateException.class);
    }

    @Test
    void list_isNewestFirst_thenById_andScopedToTheMerchant() {
        store.create(payment("pay_a", "m", T0));
        store.create(payment("pay_c", "m", T0.plusSeconds(5)));
        store.create(payment("pay_b", "m", T0.plusSeconds(5)));
        store.create(payment("pay_x", "other", T0.plusSeconds(9)));

        assertThat(store.list("m", 10, null).items()).extracting(Payment::id)
                .containsExactly("pay_c", "pay_b", "pay_a");
        assertThat(store.list("m", 10, null).nextCursor()).isNull();
    }

    @Test
    void list_pagesThroughEveryPaymentExactlyOnce() {
        for (int i = 0; i < 7; i++) {
            store.create(payment("pay_" + i, "m", T0.plusSeconds(i / 2)));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            PaymentStore.Page page = store.list("m", 3, cursor);
            page.items().forEach(p -> seen.add(p.id()));
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("pay_6", "pay_5", "pay_4", "pay_3", "pay_2", "pay_1", "pay_0");
    }

    @Test
    void list_rejectsACursorOfAnotherMerchant_andGarbage() {
        store.create(payment("pay_1", "m", T0));
        store.create(payment("pay_2", "m", T0.plusSeconds(1)));
        String cursor = store.list("m", 1, null).nextCursor();
        assertThat(cursor).isNotNull();

        assertThatThrownBy(() -> store.list("other", 1, cursor)).isInstanceOf(InvalidCursorException.class);
        assertThatThrownBy(() -> store.list("m", 1, "not a cursor")).isInstanceOf(InvalidCursorException.class);
        String forged = Base64.getUrlEncoder().encodeToString("v1\nm\nyesterday\npay_1".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.list("m", 1, forged)).isInstanceOf(InvalidCursorException.class);
    }

    @Test
    void duePending_listsOnlyPaymentsDueByTheBound_earliestFirst_upToTheLimit() {
        store.create(payment("pay_late", "m", T0.plusSeconds(30)));
        store.create(payment("pay_b", "m", T0));
        store.create(payment("pay_a", "other", T0));
        store.create(payment("pay_old", "m", T0.minusSeconds(5)));
        Payment settled = payment("pay_done", "m", T0.minusSeconds(60));
        store.create(settled);
        store.update(settled.recordOutcome("pay_done", Outcome.APPROVED, "auth_1", T0), 0);

        // Due RECONCILE_AFTER (10 s) after the last send, up to and including the bound, across merchants, the
        // earliest first and the id breaking ties.
        assertThat(store.duePending(T0.plusSeconds(30), 10)).containsExactly("pay_old", "pay_a", "pay_b");
        assertThat(store.duePending(T0.plusSeconds(10), 10)).containsExactly("pay_old", "pay_a", "pay_b");
        assertThat(store.duePending(T0.plusSeconds(9), 10)).containsExactly("pay_old");
        assertThat(store.duePending(T0.plusSeconds(30), 2)).containsExactly("pay_old", "pay_a");
        assertThat(store.duePending(T0.minusSeconds(5), 10)).isEmpty();
    }

    @Test
    void duePending_measuresFromTheLastSend_soAResentCallIsNotDueYet() {
        Payment p = payment("pay_1", "m", T0);
        store.create(p);
        store.update(p.resend("pay_1", T0.plusSeconds(100)), 0);

        assertThat(store.duePending(T0.plusSeconds(109), 10)).isEmpty();
        assertThat(store.duePending(T0.plusSeconds(110), 10)).containsExactly("pay_1");
    }
}
