package com.acme.payments.adapter.dynamodb;

import com.acme.payments.domain.Attempt.Outcome;
import com.acme.payments.domain.Money;
import com.acme.payments.domain.Payment;
import com.acme.payments.testsupport.LocalAws;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The background reconciler's work list on a real table (the emulator): the sparse {@code pending-calls-index}
 * holds exactly the payments with a pending call, earliest due first (10 s after the last send, or when the
 * reconciler deferred it to), and a payment leaves it when it settles.
 */
class PendingCallsIndexIT {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private final DynamoDbClient dynamoDb = LocalAws.dynamoDb(Region.US_EAST_1);
    private final String table = LocalAws.createPaymentsTable(dynamoDb, "payments-pending-" + LocalAws.uniqueSuffix());
    private final DynamoDbPaymentStore store = new DynamoDbPaymentStore(dynamoDb, table);

    @AfterEach
    void dropTable() {
        LocalAws.deleteTableQuietly(dynamoDb, table);
        dynamoDb.close();
    }

    @Test
    void duePending_listsOnlyPaymentsWithAPendingCallDueByNow_earliestFirst() {
        Payment older = pending("pay_00000000-0000-7000-8000-000000000001", T0);
        Payment newer = pending("pay_00000000-0000-7000-8000-000000000002", T0.plusSeconds(30));
        Payment tooRecent = pending("pay_00000000-0000-7000-8000-000000000003", T0.plusSeconds(300));
        Payment settled = pending("pay_00000000-0000-7000-8000-000000000004", T0);
        store.create(older);
        store.create(newer);
        store.create(tooRecent);
        store.create(settled);
        Payment authorized = settled.recordOutcome(settled.id(), Outcome.APPROVED, "auth_1", T0.plusSeconds(1));
        store.update(authorized, settled.version());

        assertThat(store.duePending(T0.plusSeconds(60), 10)).containsExactly(older.id(), newer.id());
        assertThat(store.duePending(T0.plusSeconds(60), 1)).containsExactly(older.id());
        // Due exactly RECONCILE_AFTER after the send, not before.
        assertThat(store.duePending(T0.plus(Payment.RECONCILE_AFTER), 10)).containsExactly(older.id());
        assertThat(store.duePending(T0.plus(Payment.RECONCILE_AFTER).minusMillis(1), 10)).isEmpty();
    }

    @Test
    void aDeferredPaymentLeavesTheListUntilItsTime_orUntilItIsWrittenAgain() {
        Payment stuck = pending("pay_00000000-0000-7000-8000-000000000006", T0);
        Payment other = pending("pay_00000000-0000-7000-8000-000000000007", T0.plusSeconds(1));
        store.create(stuck);
        store.create(other);

        store.deferReconciliation(stuck.id(), stuck.version(), T0.plusSeconds(120));
        assertThat(store.duePending(T0.plusSeconds(60), 10)).containsExactly(other.id());
        assertThat(store.duePending(T0.plusSeconds(120), 10)).containsExactly(other.id(), stuck.id());

        // A deferral for a version that is no longer stored changes nothing, and raises nothing.
        store.deferReconciliation(other.id(), other.version() + 7, T0.plusSeconds(600));
        assertThat(store.duePending(T0.plusSeconds(60), 10)).containsExactly(other.id());

        // A write sets the due time afresh from the pending calls.
        Payment resent = stuck.resend(stuck.id(), T0.plusSeconds(30));
        store.update(resent, stuck.version());
        assertThat(store.duePending(T0.plusSeconds(60), 10)).containsExactly(other.id(), stuck.id());
        assertThat(store.find(stuck.id()).orElseThrow()).isEqualTo(resent);

        // A settled payment is not put back on the list by a late deferral.
        Payment settled = resent.recordOutcome(stuck.id(), Outcome.APPROVED, "auth_1", T0.plusSeconds(31));
        store.update(settled, resent.version());
        store.deferReconciliation(stuck.id(), settled.version(), T0.plusSeconds(40));
        assertThat(store.duePending(T0.plusSeconds(600), 10)).containsExactly(other.id());
    }

    @Test
    void aPendingRefundPutsASettledPaymentBackOnTheList_untilItsOutcomeIsRecorded() {
        Payment created = pending("pay_00000000-0000-7000-8000-000000000005", T0);
        store.create(created);
        Payment captured = created.recordOutcome(created.id(), Outcome.APPROVED, "auth_1", T0.plusSeconds(1));
        store.update(captured, created.version());
        assertThat(store.duePending(T0.plusSeconds(600), 10)).isEmpty();

        Payment refunding = captured.beginRefund("re_1", 100, T0.plusSeconds(10));
        store.update(refunding, captured.version());
        assertThat(store.duePending(T0.plusSeconds(600), 10)).containsExactly(created.id());

        Payment refunded = refunding.recordRefundOutcome("re_1", Outcome.APPROVED, "r_1", T0.plusSeconds(11));
        store.update(refunded, refunding.version());
        assertThat(store.duePending(T0.plusSeconds(600), 10)).isEmpty();
        assertThat(DynamoDbPaymentStore.itemSizeBytes(refunded)).isBetween(300, 10_000);
    }

    private static Payment pending(String id, Instant at) {
        return Payment.newPending(id, "merchant_it", Money.of(1_000, "USD"), "tok_…4242", null, Map.of(), true, at,
                "us-east-1");
    }
}
