package com.acme.payments.domain;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Refund invariants of {@link Payment} over random sequences (jqwik; see {@link PanDetectorPropertyTest} on why apart). */
class PaymentRefundPropertyTest {
    private static final Instant T3 = Instant.parse("2026-01-05T10:00:03Z");

    /**
     * Whatever mix of refund attempts and processor answers happens (including answers that never arrive, leaving
     * the refund pending), money held or refunded never exceeds what was captured, and the status says REFUNDED
     * exactly when everything captured has been refunded.
     */
    @Property
    void refunds_neverExceedTheCapturedAmount(@ForAll("refundAttempts") List<RefundAttempt> attempts) {
        Payment p = PaymentTest.captured();
        int n = 0;
        for (RefundAttempt attempt : attempts) {
            String id = "re_" + n++;
            long refundableBefore = p.refundableAmount();
            try {
                p = p.beginRefund(id, attempt.amount(), T3);
            } catch (InvalidStateTransitionException refused) {
                assertThat(attempt.amount()).isGreaterThan(refundableBefore);
                continue;
            }
            assertThat(attempt.amount()).isLessThanOrEqualTo(refundableBefore);
            p = switch (attempt.answer()) {
                case SUCCEEDS -> p.refundSucceeded(id, "ref_" + id, T3);
                case FAILS -> p.refundFailed(id, "declined", T3);
                case NEVER_ARRIVES -> p;
            };
            long held = p.refunds().stream().filter(Refund::holdsFunds).mapToLong(Refund::amount).sum();
            assertThat(held).isLessThanOrEqualTo(p.capturedAmount());
            assertThat(p.refundedAmount()).isLessThanOrEqualTo(held);
            assertThat(p.refundableAmount()).isEqualTo(p.capturedAmount() - held);
            assertThat(p.status() == PaymentStatus.REFUNDED).isEqualTo(p.refundedAmount() == p.capturedAmount());
        }
    }

    enum Answer { SUCCEEDS, FAILS, NEVER_ARRIVES }

    record RefundAttempt(long amount, Answer answer) { }

    @Provide
    Arbitrary<List<RefundAttempt>> refundAttempts() {
        Arbitrary<RefundAttempt> attempt = Combinators.combine(
                Arbitraries.longs().between(1, PaymentTest.AMOUNT).edgeCases(e -> e.add(PaymentTest.AMOUNT)),
                Arbitraries.of(Answer.class)).as(RefundAttempt::new);
        return attempt.list().ofMaxSize(15);
    }
}
