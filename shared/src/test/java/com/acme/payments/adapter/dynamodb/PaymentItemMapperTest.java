package com.acme.payments.adapter.dynamodb;

import com.acme.payments.domain.Attempt.Outcome;
import com.acme.payments.domain.Money;
import com.acme.payments.domain.Payment;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PaymentItemMapperTest {
    private static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

    private static Payment pending() {
        return Payment.newPending("pay_1", "merchant_a", Money.of(10_000, "USD"), "tok_…4242", "order 42",
                Map.of("order", "42"), false, T0, "us-east-1");
    }

    @Test
    void roundTrip_keepsEveryField_includingThePendingCallAttemptsAndRefunds() {
        Payment p = pending().resend("pay_1", T0.plusSeconds(61))
                .recordOutcome("pay_1", Outcome.APPROVED, "auth_1", T0.plusSeconds(62))
                .beginCapture("att_1", 10_000, T0.plusSeconds(63))
                .recordOutcome("att_1", Outcome.FAILED, "processor_error", T0.plusSeconds(64))
                .beginCapture("att_2", 10_000, T0.plusSeconds(65))
                .recordOutcome("att_2", Outcome.APPROVED, "cap_1", T0.plusSeconds(66))
                .beginRefund("re_1", 3_000, T0.plusSeconds(67))
                .resendRefund("re_1", T0.plusSeconds(68))
                .recordRefundOutcome("re_1", Outcome.APPROVED, "ref_1", T0.plusSeconds(69))
                .beginRefund("re_2", 1_000, T0.plusSeconds(70));

        assertThat(PaymentItemMapper.fromItem(PaymentItemMapper.toItem(p))).isEqualTo(p);
        Payment pendingCapture = pending().recordOutcome("pay_1", Outcome.APPROVED, "auth_1", T0)
                .beginCapture("att_1", 5_000, T0.plusSeconds(1)).resend("att_1", T0.plusSeconds(2));
        assertThat(PaymentItemMapper.fromItem(PaymentItemMapper.toItem(pendingCapture))).isEqualTo(pendingCapture);
    }

    @Test
    void onlyPaymentsWithAPendingCall_areInTheReconcilersIndex_sortedByWhenReconciliationIsDue() {
        Payment pending = pending().resend("pay_1", T0.plusSeconds(5));
        Map<String, AttributeValue> item = PaymentItemMapper.toItem(pending);

        assertThat(item.get(TableKeys.GSI2_PK).s()).isEqualTo(TableKeys.PENDING_PARTITION);
        // Due RECONCILE_AFTER (10 s) after the last send.
        assertThat(item.get(TableKeys.GSI2_SK).s()).isEqualTo("2026-01-05T10:00:15.000000000Z#pay_1");

        Payment settled = pending.recordOutcome("pay_1", Outcome.APPROVED, "auth_1", T0.plusSeconds(6));
        assertThat(PaymentItemMapper.toItem(settled)).doesNotContainKeys(TableKeys.GSI2_PK, TableKeys.GSI2_SK);

        Payment refundPending = settled.beginCapture("att", 10_000, T0.plusSeconds(7))
                .recordOutcome("att", Outcome.APPROVED, "cap", T0.plusSeconds(7))
                .beginRefund("re_1", 100, T0.plusSeconds(8));
        assertThat(PaymentItemMapper.toItem(refundPending).get(TableKeys.GSI2_SK).s())
                .startsWith("2026-01-05T10:00:18.000000000Z#");
    }

    @Test
    void aPaymentFilledToEveryBound_staysFarBelowDynamoDbsItemLimit() {
        // History 7 of issue 11: the domain bounds refunds and attempts, so the item cannot approach 400 KB.
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            metadata.put(String.format("%-40s", "key" + i).replace(' ', 'k'), "v".repeat(500));
        }
        Payment p = Payment.newPending("pay_0192f7e0-abcd-7abc-8abc-abcd00000001", "m".repeat(64),
                Money.of(Money.MAX_EXACT_JSON, "USD"), "tok_…4242", "d".repeat(255), metadata, false, T0, "us-east-1")
                .recordOutcome("pay_0192f7e0-abcd-7abc-8abc-abcd00000001", Outcome.APPROVED, "auth_" + "r".repeat(60),
                        T0);
        // The longest text a processor can leave on a payment, in every reason slot.
        String reason = "é".repeat(Payment.MAX_DETAIL * 10);
        for (int i = 0; i < Payment.MAX_ATTEMPTS; i++) {
            String attempt = "att_0192f7e0-abcd-7abc-8abc-abcd%08d".formatted(i);
            p = p.beginCapture(attempt, 1, T0).recordOutcome(attempt, Outcome.FAILED, reason, T0);
        }
        for (int i = 0; i < Payment.CANCEL_RESERVE; i++) {
            String attempt = "att_0192f7e0-abcd-7abc-8abc-abce%08d".formatted(i);
            p = p.beginCancel(attempt, T0).recordOutcome(attempt, Outcome.DECLINED, reason, T0);
        }
        assertThat(p.attempts()).hasSize(Payment.MAX_ATTEMPTS + Payment.CANCEL_RESERVE);
        // Capture and refund need a free attempt slot: build the refund side on a separate, captured payment.
        Payment captured = Payment.newPending("pay_2", "m".repeat(64), Money.of(Money.MAX_EXACT_JSON, "USD"),
                        "tok_…4242", "d".repeat(255), metadata, true, T0, "us-east-1")
                .recordOutcome("pay_2", Outcome.APPROVED, "auth_1", T0);
        for (int i = 0; i < Payment.MAX_REFUNDS; i++) {
            String refund = "re_0192f7e0-abcd-7abc-9abc-abcd%08d".formatted(i);
            captured = captured.beginRefund(refund, 1, T0).recordRefundOutcome(refund, Outcome.DECLINED, reason, T0);
        }

        int attemptsFull = DynamoDbPaymentStore.itemSizeBytes(p);
        int refundsFull = DynamoDbPaymentStore.itemSizeBytes(captured);

        assertThat(attemptsFull).isLessThan(100 * 1024);
        assertThat(refundsFull).isLessThan(100 * 1024);
        // The estimate counts what it should: the filled items are far bigger than a fresh one.
        assertThat(refundsFull).isGreaterThan(DynamoDbPaymentStore.itemSizeBytes(pending())
                + Payment.MAX_REFUNDS * Payment.MAX_DETAIL);
    }

    @Test
    void itemSize_countsNamesAndUtf8Values() {
        assertThat(ItemSize.of(Map.of("id", AttributeValue.fromS("abc")))).isEqualTo(5);
        assertThat(ItemSize.of(Map.of("d", AttributeValue.fromS("é")))).isEqualTo(3);
        assertThat(ItemSize.of(Map.of("b", AttributeValue.fromBool(true)))).isEqualTo(2);
    }
}
