package com.acme.payments.domain;

import com.acme.payments.domain.Attempt.Outcome;
import com.acme.payments.domain.InvalidStateTransitionException.Reason;
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
     * the refund pending, answers recorded twice by a retried write, and late "never arrived" decisions), money held
     * or refunded never exceeds what was captured, and the status says REFUNDED exactly when everything captured has
     * been refunded.
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
                assertThat(refused.reason()).isIn(Reason.EXCEEDS_REFUNDABLE, Reason.NOT_ALLOWED_IN_STATUS);
                continue;
            }
            assertThat(attempt.amount()).isLessThanOrEqualTo(refundableBefore);
            p = switch (attempt.answer()) {
                case SUCCEEDS -> p.recordRefundOutcome(id, Outcome.APPROVED, "ref_" + id, T3);
                case SUCCEEDS_RECORDED_TWICE -> {
                    Payment once = p.recordRefundOutcome(id, Outcome.APPROVED, "ref_" + id, T3);
                    Payment twice = once.recordRefundOutcome(id, Outcome.APPROVED, "ref_" + id, T3);
                    assertThat(twice).isSameAs(once);
                    // A "never arrived" decision taken on the pending view, applied after the approval: a no-op.
                    assertThat(twice.refundNeverArrived(id, 1, T3)).isSameAs(once);
                    yield twice;
                }
                case DECLINED -> p.recordRefundOutcome(id, Outcome.DECLINED, "do_not_honor", T3);
                case NEVER_ARRIVED -> p.refundNeverArrived(id, 1, T3);
                case NO_ANSWER_YET -> p;
            };
            long held = p.refunds().stream().filter(Refund::holdsFunds).mapToLong(Refund::amount).sum();
            assertThat(held).isLessThanOrEqualTo(p.capturedAmount());
            assertThat(p.refundedAmount()).isLessThanOrEqualTo(held);
            assertThat(p.refundableAmount()).isEqualTo(p.capturedAmount() - held);
            assertThat(p.status() == PaymentStatus.REFUNDED).isEqualTo(p.refundedAmount() == p.capturedAmount());
            assertThat(p.capturedAmount()).isLessThanOrEqualTo(p.authorizedAmount());
            assertThat(p.refunds().size()).isLessThanOrEqualTo(Payment.MAX_REFUNDS);
        }
    }

    enum Answer { SUCCEEDS, SUCCEEDS_RECORDED_TWICE, DECLINED, NEVER_ARRIVED, NO_ANSWER_YET }

    record RefundAttempt(long amount, Answer answer) { }

    @Provide
    Arbitrary<List<RefundAttempt>> refundAttempts() {
        Arbitrary<RefundAttempt> attempt = Combinators.combine(
                Arbitraries.longs().between(1, PaymentTest.AMOUNT).edgeCases(e -> e.add(PaymentTest.AMOUNT)),
                Arbitraries.of(Answer.class)).as(RefundAttempt::new);
        return attempt.list().ofMaxSize(15);
    }
}
