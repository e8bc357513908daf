package com.acme.payments.domain;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PaymentTest {
    private static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");
    private static final Instant T1 = T0.plusSeconds(1);
    private static final Instant T2 = T0.plusSeconds(2);
    private static final Instant T3 = T0.plusSeconds(3);
    static final long AMOUNT = 10_000;

    static Payment pending(boolean capture) {
        return Payment.newPending("pay_1", "merchant_a", AMOUNT, "USD", "tok_…4242", "order 42", Map.of("order", "42"),
                capture, T0, "us-east-1");
    }

    static Payment authorized() {
        return pending(false).authorized("auth_1", T1);
    }

    static Payment captured() {
        return authorized().beginCapture(AMOUNT, "pay_1:capture:2", T2).captured(T2);
    }

    static Payment partiallyRefunded() {
        return captured().beginRefund("re_1", 3_000, T3).refundSucceeded("re_1", "ref_1", T3);
    }

    static Payment refunded() {
        return captured().beginRefund("re_1", AMOUNT, T3).refundSucceeded("re_1", "ref_1", T3);
    }

    /** A payment in each status, reached through the public transitions only. */
    static Payment in(PaymentStatus status) {
        return switch (status) {
            case PENDING -> pending(false);
            case AUTHORIZED -> authorized();
            case CAPTURED -> captured();
            case PARTIALLY_REFUNDED -> partiallyRefunded();
            case REFUNDED -> refunded();
            case CANCELED -> authorized().beginCancel("pay_1:cancel:2", T2).canceled(T2);
            case DECLINED -> pending(false).declined("card_declined", T1);
            case FAILED -> pending(false).failed("processor_error", T1);
        };
    }

    // ---- the full status × operation table ------------------------------------------------------------------

    /** Operations a caller or a processor answer can apply to an idle payment (no operation in progress). */
    enum Op {
        AUTHORIZED(p -> p.authorized("auth_x", T3)),
        DECLINED(p -> p.declined("card_declined", T3)),
        FAILED(p -> p.failed("processor_error", T3)),
        BEGIN_CAPTURE(p -> p.beginCapture(1, "k-capture", T3)),
        CAPTURED(p -> p.captured(T3)),
        CAPTURE_FAILED(p -> p.captureFailed("x", T3)),
        BEGIN_CANCEL(p -> p.beginCancel("k-cancel", T3)),
        CANCELED(p -> p.canceled(T3)),
        CANCEL_FAILED(p -> p.cancelFailed("x", T3)),
        BEGIN_REFUND(p -> p.beginRefund("re_new", 1, T3));

        final UnaryOperator<Payment> apply;

        Op(UnaryOperator<Payment> apply) {
            this.apply = apply;
        }
    }

    /**
     * The only (status, operation) pairs that are legal from an idle payment. The outcome operations of capture and
     * cancel are legal only while that operation is pending, which an idle payment never is.
     */
    private static final Map<Op, Set<PaymentStatus>> ALLOWED = new EnumMap<>(Map.of(
            Op.AUTHORIZED, EnumSet.of(PaymentStatus.PENDING),
            Op.DECLINED, EnumSet.of(PaymentStatus.PENDING),
            Op.FAILED, EnumSet.of(PaymentStatus.PENDING),
            Op.BEGIN_CAPTURE, EnumSet.of(PaymentStatus.AUTHORIZED),
            Op.BEGIN_CANCEL, EnumSet.of(PaymentStatus.AUTHORIZED),
            Op.BEGIN_REFUND, EnumSet.of(PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)));

    static Stream<Arguments> everyStatusAndOperation() {
        List<Arguments> cases = new ArrayList<>();
        for (PaymentStatus status : PaymentStatus.values()) {
            for (Op op : Op.values()) {
                cases.add(Arguments.of(status, op));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} from {0}")
    @MethodSource("everyStatusAndOperation")
    void operation_isAllowedOnlyFromItsSourceStatuses_andOtherwiseRejectedWithTheCurrentStatus(PaymentStatus status,
                                                                                               Op op) {
        Payment before = in(status);
        boolean allowed = ALLOWED.getOrDefault(op, Set.of()).contains(status);

        if (allowed) {
            Payment after = op.apply.apply(before);
            assertThat(after.version()).isEqualTo(before.version() + 1);
            assertThat(after.updatedAt()).isEqualTo(T3);
        } else {
            assertThatThrownBy(() -> op.apply.apply(before))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(status));
        }
    }

    @Test
    void table_coversEveryStatusAndMakesEachStatusReachable() {
        // Guards the table above: a fixture that silently built the wrong status would test the wrong row.
        for (PaymentStatus status : PaymentStatus.values()) {
            Payment p = in(status);
            assertThat(p.status()).isEqualTo(status);
            // Only PENDING carries an operation (its authorization); every other row starts idle.
            assertThat(p.pendingOperation())
                    .isEqualTo(status == PaymentStatus.PENDING ? Operation.AUTHORIZE : null);
        }
    }

    @ParameterizedTest
    @EnumSource(value = PaymentStatus.class, names = {"REFUNDED", "CANCELED", "DECLINED", "FAILED"})
    void terminalStatus_acceptsNoOperationAtAll(PaymentStatus status) {
        Payment terminal = in(status);
        assertThat(status.isTerminal()).isTrue();
        for (Op op : Op.values()) {
            assertThatThrownBy(() -> op.apply.apply(terminal)).isInstanceOf(InvalidStateTransitionException.class);
        }
    }

    // ---- authorization ----------------------------------------------------------------------------------------

    @Nested
    class Authorization {
        @Test
        void newPending_recordsThePendingAuthorizeWithAKeyDerivedFromThePaymentId() {
            Payment p = pending(false);

            assertThat(p.status()).isEqualTo(PaymentStatus.PENDING);
            assertThat(p.pendingOperation()).isEqualTo(Operation.AUTHORIZE);
            assertThat(p.pendingAmount()).isEqualTo(AMOUNT);
            assertThat(p.pendingOperationId()).isEqualTo("pay_1:authorize");
            assertThat(p.version()).isZero();
            assertThat(p.history()).containsExactly(new Transition(null, PaymentStatus.PENDING, T0, "created"));
        }

        @Test
        void authorized_withoutCapture_holdsTheAmountButCapturesNothing() {
            Payment p = authorized();

            assertThat(p.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(p.authorizedAmount()).isEqualTo(AMOUNT);
            assertThat(p.capturedAmount()).isZero();
            assertThat(p.processorReference()).isEqualTo("auth_1");
            assertThat(p.pendingOperation()).isNull();
            assertThat(p.pendingOperationId()).isNull();
        }

        @Test
        void authorized_withCaptureRequested_goesStraightToCaptured() {
            Payment p = pending(true).authorized("auth_1", T1);

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(AMOUNT);
            assertThat(p.history().getLast()).isEqualTo(
                    new Transition(PaymentStatus.PENDING, PaymentStatus.CAPTURED, T1, "authorized and captured"));
        }

        @Test
        void declined_recordsTheReasonAndHoldsNothing() {
            Payment p = in(PaymentStatus.DECLINED);

            assertThat(p.declineReason()).isEqualTo("card_declined");
            assertThat(p.authorizedAmount()).isZero();
            assertThat(p.pendingOperation()).isNull();
            assertThat(p.status().isTerminal()).isTrue();
        }

        @Test
        void authorizationOutcome_cannotBeRecordedTwice() {
            Payment p = authorized();

            // A late duplicate answer (e.g. reconciliation racing the request) must not overwrite the first one.
            assertThatThrownBy(() -> p.declined("late", T2))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.AUTHORIZED));
        }
    }

    // ---- capture -----------------------------------------------------------------------------------------------

    @Nested
    class Capture {
        @Test
        void capture_rejectsAmountAboveAuthorized() {
            assertThatThrownBy(() -> authorized().beginCapture(AMOUNT + 1, "k", T2))
                    .isInstanceOfSatisfying(ValidationException.class,
                            e -> assertThat(e.errors()).extracting(FieldError::field).containsExactly("amount"));
        }

        @Test
        void capture_rejectsZeroAndNegativeAmounts() {
            assertThatThrownBy(() -> authorized().beginCapture(0, "k", T2)).isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> authorized().beginCapture(-1, "k", T2)).isInstanceOf(ValidationException.class);
        }

        @Test
        void beginCapture_holdsTheOperationWithoutChangingStatusOrHistory() {
            Payment before = authorized();
            Payment started = before.beginCapture(AMOUNT, "pay_1:capture:2", T2);

            assertThat(started.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(started.pendingOperation()).isEqualTo(Operation.CAPTURE);
            assertThat(started.pendingAmount()).isEqualTo(AMOUNT);
            assertThat(started.pendingOperationId()).isEqualTo("pay_1:capture:2");
            assertThat(started.capturedAmount()).isZero();
            assertThat(started.history()).isEqualTo(before.history());
        }

        @Test
        void capture_ofTheFullAmount_isRecordedAsCaptured() {
            Payment p = captured();

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(AMOUNT);
            assertThat(p.history().getLast().reason()).isEqualTo("captured");
        }

        @Test
        void partialCapture_capturesOnlyTheRequestedAmount() {
            Payment p = authorized().beginCapture(6_000, "k", T2).captured(T2);

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(6_000);
            assertThat(p.authorizedAmount()).isEqualTo(AMOUNT);
            assertThat(p.refundableAmount()).isEqualTo(6_000);
            assertThat(p.history().getLast().reason()).isEqualTo("partially captured");
        }

        @Test
        void capture_isAllowedOnlyOnce() {
            Payment partial = authorized().beginCapture(6_000, "k", T2).captured(T2);

            // The remaining 4000 of the authorization cannot be captured by a second capture.
            assertThatThrownBy(() -> partial.beginCapture(4_000, "k2", T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.CAPTURED));
        }

        @Test
        void secondCapture_whileTheFirstIsInProgress_isRejected() {
            Payment inProgress = authorized().beginCapture(AMOUNT, "k", T2);

            assertThatThrownBy(() -> inProgress.beginCapture(AMOUNT, "k2", T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.AUTHORIZED));
            assertThatThrownBy(() -> inProgress.beginCancel("k3", T3))
                    .isInstanceOf(InvalidStateTransitionException.class);
        }

        @Test
        void captureFailed_staysAuthorized_recordsWhy_andAllowsANewAttempt() {
            Payment failed = authorized().beginCapture(AMOUNT, "k", T2).captureFailed("declined: do_not_honor", T3);

            assertThat(failed.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(failed.pendingOperation()).isNull();
            assertThat(failed.capturedAmount()).isZero();
            assertThat(failed.failureReason()).isEqualTo("declined: do_not_honor");
            assertThat(failed.history().getLast()).isEqualTo(new Transition(PaymentStatus.AUTHORIZED,
                    PaymentStatus.AUTHORIZED, T3, "capture failed: declined: do_not_honor"));
            assertThat(failed.beginCapture(AMOUNT, "k2", T3).pendingOperation()).isEqualTo(Operation.CAPTURE);
        }

        @Test
        void captureOutcome_withoutAPendingCapture_isRejected() {
            Payment cancelling = authorized().beginCancel("k", T2);

            assertThatThrownBy(() -> cancelling.captured(T3)).isInstanceOf(InvalidStateTransitionException.class);
        }
    }

    // ---- cancel ------------------------------------------------------------------------------------------------

    @Nested
    class Cancel {
        @Test
        void cancel_voidsTheAuthorization() {
            Payment p = in(PaymentStatus.CANCELED);

            assertThat(p.status()).isEqualTo(PaymentStatus.CANCELED);
            assertThat(p.capturedAmount()).isZero();
            assertThat(p.pendingOperation()).isNull();
            assertThat(p.history().getLast().to()).isEqualTo(PaymentStatus.CANCELED);
        }

        @Test
        void cancelFailed_staysAuthorizedAndCanBeCapturedAfterwards() {
            Payment p = authorized().beginCancel("k", T2).cancelFailed("processor error: x", T3);

            assertThat(p.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(p.pendingOperation()).isNull();
            assertThat(p.history().getLast().reason()).isEqualTo("cancel failed: processor error: x");
            assertThat(p.beginCapture(AMOUNT, "k2", T3).pendingOperation()).isEqualTo(Operation.CAPTURE);
        }

        @Test
        void capture_whileACancelIsInProgress_isRejected() {
            Payment cancelling = authorized().beginCancel("k", T2);

            assertThatThrownBy(() -> cancelling.beginCapture(AMOUNT, "k2", T3))
                    .isInstanceOf(InvalidStateTransitionException.class);
        }
    }

    // ---- refunds -----------------------------------------------------------------------------------------------

    @Nested
    class Refunds {
        @Test
        void partialRefund_leavesThePaymentPartiallyRefunded() {
            Payment p = partiallyRefunded();

            assertThat(p.status()).isEqualTo(PaymentStatus.PARTIALLY_REFUNDED);
            assertThat(p.refundedAmount()).isEqualTo(3_000);
            assertThat(p.refundableAmount()).isEqualTo(7_000);
            assertThat(p.refund("re_1").status()).isEqualTo(RefundStatus.SUCCEEDED);
            assertThat(p.refund("re_1").processorReference()).isEqualTo("ref_1");
        }

        @Test
        void refundsSummingToTheCapturedAmount_makeThePaymentRefunded() {
            Payment p = partiallyRefunded().beginRefund("re_2", 7_000, T3).refundSucceeded("re_2", "ref_2", T3);

            assertThat(p.status()).isEqualTo(PaymentStatus.REFUNDED);
            assertThat(p.refundedAmount()).isEqualTo(AMOUNT);
            assertThat(p.refundableAmount()).isZero();
            assertThat(p.status().isTerminal()).isTrue();
        }

        @Test
        void refund_rejectsAmountAboveWhatIsLeft() {
            Payment p = partiallyRefunded();

            assertThatThrownBy(() -> p.beginRefund("re_2", 7_001, T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.PARTIALLY_REFUNDED));
            assertThat(p.beginRefund("re_2", 7_000, T3).refund("re_2").status()).isEqualTo(RefundStatus.PENDING);
        }

        @Test
        void refund_isLimitedByTheCapturedAmount_notTheAuthorizedAmount() {
            Payment p = authorized().beginCapture(6_000, "k", T2).captured(T2);

            assertThatThrownBy(() -> p.beginRefund("re_1", 6_001, T3))
                    .isInstanceOf(InvalidStateTransitionException.class);
        }

        @Test
        void pendingRefund_holdsItsAmountSoConcurrentRefundsCannotOverdraw() {
            Payment held = captured().beginRefund("re_1", 6_000, T3);

            assertThat(held.refundableAmount()).isEqualTo(4_000);
            assertThat(held.refundedAmount()).isZero();
            assertThatThrownBy(() -> held.beginRefund("re_2", 5_000, T3))
                    .isInstanceOf(InvalidStateTransitionException.class);
        }

        @Test
        void failedRefund_releasesItsHold() {
            Payment failed = captured().beginRefund("re_1", 6_000, T3).refundFailed("re_1", "declined: x", T3);

            assertThat(failed.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(failed.refund("re_1").status()).isEqualTo(RefundStatus.FAILED);
            assertThat(failed.refund("re_1").failureReason()).isEqualTo("declined: x");
            assertThat(failed.refundableAmount()).isEqualTo(AMOUNT);
            assertThat(failed.history().getLast().reason()).isEqualTo("refund re_1 failed: declined: x");
        }

        @Test
        void refundOutcome_cannotBeRecordedTwice() {
            Payment done = partiallyRefunded();

            assertThatThrownBy(() -> done.refundSucceeded("re_1", "ref_again", T3))
                    .isInstanceOf(InvalidStateTransitionException.class);
            assertThatThrownBy(() -> done.refundFailed("re_1", "late", T3))
                    .isInstanceOf(InvalidStateTransitionException.class);
        }

        @Test
        void refund_rejectsZeroAndNegativeAmounts() {
            assertThatThrownBy(() -> captured().beginRefund("re_1", 0, T3)).isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> captured().beginRefund("re_1", -5, T3)).isInstanceOf(ValidationException.class);
        }

        @Test
        void refund_ofAnUnknownRefundId_isAProgrammingError() {
            assertThatThrownBy(() -> captured().refundSucceeded("re_missing", "x", T3))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    // ---- history and versions ----------------------------------------------------------------------------------

    @Test
    void history_recordsEveryStatusChangeWithItsTimeAndReason() {
        Payment p = pending(false).authorized("auth_1", T1)
                .beginCapture(AMOUNT, "k", T2).captured(T2)
                .beginRefund("re_1", AMOUNT, T3).refundSucceeded("re_1", "ref_1", T3);

        assertThat(p.history()).containsExactly(
                new Transition(null, PaymentStatus.PENDING, T0, "created"),
                new Transition(PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, T1, "authorized"),
                new Transition(PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, T2, "captured"),
                new Transition(PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, T3, "refund re_1 succeeded"));
        assertThat(p.createdAt()).isEqualTo(T0);
        assertThat(p.updatedAt()).isEqualTo(T3);
    }

    @Test
    void version_increasesByExactlyOnePerTransition() {
        // Optimistic locking relies on this: each write is conditional on the version the transition started from.
        List<UnaryOperator<Payment>> steps = List.of(
                p -> p.authorized("auth_1", T1),
                p -> p.beginCapture(AMOUNT, "k", T2),
                p -> p.captured(T2),
                p -> p.beginRefund("re_1", 1_000, T3),
                p -> p.refundSucceeded("re_1", "ref_1", T3),
                p -> p.beginRefund("re_2", 1_000, T3),
                p -> p.refundFailed("re_2", "x", T3));
        Payment p = pending(false);
        for (UnaryOperator<Payment> step : steps) {
            Payment next = step.apply(p);
            assertThat(next.version()).isEqualTo(p.version() + 1);
            p = next;
        }
        assertThat(p.version()).isEqualTo(steps.size());
    }

    @Test
    void transition_returnsANewValueAndLeavesTheOriginalUntouched() {
        Payment before = authorized();
        Payment after = before.beginCapture(AMOUNT, "k", T2);

        assertThat(before.pendingOperation()).isNull();
        assertThat(before.version()).isEqualTo(after.version() - 1);
        assertThat(after).isNotSameAs(before);
    }

    @Test
    void collections_areDefensivelyCopied() {
        List<Transition> history = new ArrayList<>(List.of(new Transition(null, PaymentStatus.PENDING, T0, "x")));
        Payment p = new Payment("pay_9", "m", 1, "USD", "tok_…1234", null, null, false, PaymentStatus.PENDING, 0, 0,
                null, Operation.AUTHORIZE, 1, "pay_9:authorize", null, null, null, history, T0, T0, 0, "us-east-1");
        history.clear();

        assertThat(p.history()).hasSize(1);
        assertThat(p.metadata()).isEmpty();
        assertThat(p.refunds()).isEmpty();
        assertThatThrownBy(() -> p.history().add(null)).isInstanceOf(UnsupportedOperationException.class);
    }
}
