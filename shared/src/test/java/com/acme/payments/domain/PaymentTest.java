package com.acme.payments.domain;

import com.acme.payments.domain.Attempt.Outcome;
import com.acme.payments.domain.InvalidStateTransitionException.Reason;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.ArrayList;
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
    /** The authorization's attempt id is the payment id. */
    static final String PAY = "pay_1";

    static Payment pending(boolean capture) {
        return Payment.newPending(PAY, "merchant_a", Money.of(AMOUNT, "USD"), "tok_…4242", "order 42",
                Map.of("order", "42"), capture, T0, "us-east-1");
    }

    static Payment authorized() {
        return pending(false).recordOutcome(PAY, Outcome.APPROVED, "auth_1", T1);
    }

    static Payment captured() {
        return authorized().beginCapture("att_cap", AMOUNT, T2).recordOutcome("att_cap", Outcome.APPROVED, "cap_1", T2);
    }

    static Payment partiallyRefunded() {
        return captured().beginRefund("re_1", 3_000, T3).recordRefundOutcome("re_1", Outcome.APPROVED, "ref_1", T3);
    }

    static Payment refunded() {
        return captured().beginRefund("re_1", AMOUNT, T3).recordRefundOutcome("re_1", Outcome.APPROVED, "ref_1", T3);
    }

    /** A payment in each status, reached through the public transitions only. */
    static Payment in(PaymentStatus status) {
        return switch (status) {
            case PENDING -> pending(false);
            case AUTHORIZED -> authorized();
            case CAPTURED -> captured();
            case PARTIALLY_REFUNDED -> partiallyRefunded();
            case REFUNDED -> refunded();
            case CANCELED -> authorized().beginCancel("att_can", T2).recordOutcome("att_can", Outcome.APPROVED, "v_1", T2);
            case DECLINED -> pending(false).recordOutcome(PAY, Outcome.DECLINED, "card_declined", T1);
            case FAILED -> pending(false).recordOutcome(PAY, Outcome.FAILED, "processor_error", T1);
        };
    }

    // ---- the full status × operation table ------------------------------------------------------------------

    /** Operations a caller or a processor answer can apply to a payment whose own call is not pending (or PENDING). */
    enum Op {
        APPROVE_AUTHORIZATION(p -> p.recordOutcome(PAY, Outcome.APPROVED, "auth_x", T3)),
        DECLINE_AUTHORIZATION(p -> p.recordOutcome(PAY, Outcome.DECLINED, "card_declined", T3)),
        FAIL_AUTHORIZATION(p -> p.recordOutcome(PAY, Outcome.FAILED, "processor_error", T3)),
        BEGIN_CAPTURE(p -> p.beginCapture("att_new", 1, T3)),
        BEGIN_CANCEL(p -> p.beginCancel("att_new", T3)),
        BEGIN_REFUND(p -> p.beginRefund("re_new", 1, T3)),
        OUTCOME_OF_AN_UNKNOWN_ATTEMPT(p -> p.recordOutcome("att_never_started", Outcome.APPROVED, "cap_x", T3));

        final UnaryOperator<Payment> apply;

        Op(UnaryOperator<Payment> apply) {
            this.apply = apply;
        }
    }

    /** What an operation does to a payment in a status. */
    enum Expect {
        /** A new state, version + 1. */
        APPLIED,
        /** The same outcome is already recorded: the very same value comes back (a retried write is recognised). */
        ALREADY_RECORDED,
        /** Refused by the state machine, naming the current status. */
        REFUSED,
        /** A different outcome is already recorded for that attempt: our records and the processor's disagree. */
        CONFLICT
    }

    private static final Set<PaymentStatus> APPROVED_AUTHORIZATION = EnumSet.of(PaymentStatus.AUTHORIZED,
            PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED, PaymentStatus.CANCELED);

    static Expect expected(PaymentStatus status, Op op) {
        return switch (op) {
            case APPROVE_AUTHORIZATION -> status == PaymentStatus.PENDING ? Expect.APPLIED
                    : APPROVED_AUTHORIZATION.contains(status) ? Expect.ALREADY_RECORDED : Expect.CONFLICT;
            case DECLINE_AUTHORIZATION -> status == PaymentStatus.PENDING ? Expect.APPLIED
                    : status == PaymentStatus.DECLINED ? Expect.ALREADY_RECORDED : Expect.CONFLICT;
            case FAIL_AUTHORIZATION -> status == PaymentStatus.PENDING ? Expect.APPLIED
                    : status == PaymentStatus.FAILED ? Expect.ALREADY_RECORDED : Expect.CONFLICT;
            case BEGIN_CAPTURE, BEGIN_CANCEL -> status == PaymentStatus.AUTHORIZED ? Expect.APPLIED : Expect.REFUSED;
            case BEGIN_REFUND -> status == PaymentStatus.CAPTURED || status == PaymentStatus.PARTIALLY_REFUNDED
                    ? Expect.APPLIED : Expect.REFUSED;
            case OUTCOME_OF_AN_UNKNOWN_ATTEMPT -> Expect.CONFLICT;
        };
    }

    static Stream<Arguments> everyStatusAndOperation() {
        List<Arguments> cases = new ArrayList<>();
        for (PaymentStatus status : PaymentStatus.values()) {
            for (Op op : Op.values()) {
                cases.add(Arguments.of(status, op, expected(status, op)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} from {0}: {2}")
    @MethodSource("everyStatusAndOperation")
    void operation_fromEveryStatus_isAppliedRecognisedRefusedOrAConflict(PaymentStatus status, Op op, Expect expect) {
        Payment before = in(status);

        switch (expect) {
            case APPLIED -> {
                Payment after = op.apply.apply(before);
                assertThat(after.version()).isEqualTo(before.version() + 1);
                assertThat(after.updatedAt()).isEqualTo(T3);
            }
            case ALREADY_RECORDED -> assertThat(op.apply.apply(before)).isSameAs(before);
            case REFUSED -> assertThatThrownBy(() -> op.apply.apply(before))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(status));
            case CONFLICT -> assertThatThrownBy(() -> op.apply.apply(before))
                    .isInstanceOf(OutcomeConflictException.class);
        }
    }

    @Test
    void table_coversEveryStatusAndMakesEachStatusReachable() {
        // Guards the table above: a fixture that silently built the wrong status would test the wrong row.
        for (PaymentStatus status : PaymentStatus.values()) {
            Payment p = in(status);
            assertThat(p.status()).isEqualTo(status);
            // Only PENDING carries a call (its authorization); every other row starts idle.
            assertThat(p.pending() == null ? null : p.pending().operation())
                    .isEqualTo(status == PaymentStatus.PENDING ? Operation.AUTHORIZE : null);
            assertThat(p.hasPendingCalls()).isEqualTo(status == PaymentStatus.PENDING);
        }
    }

    @ParameterizedTest
    @EnumSource(value = PaymentStatus.class, names = {"REFUNDED", "CANCELED", "DECLINED", "FAILED"})
    void terminalStatus_startsNothing_andChangesOnNoAnswer(PaymentStatus status) {
        Payment terminal = in(status);
        assertThat(status.isTerminal()).isTrue();
        for (Op op : Op.values()) {
            try {
                assertThat(op.apply.apply(terminal)).as(op.name()).isSameAs(terminal);
            } catch (InvalidStateTransitionException | OutcomeConflictException refused) {
                // refused: fine
            }
        }
    }

    // ---- authorization ----------------------------------------------------------------------------------------

    @Nested
    class Authorization {
        @Test
        void newPending_recordsThePendingAuthorizeAsTheFirstSend_keyedByThePaymentId() {
            Payment p = pending(false);

            assertThat(p.status()).isEqualTo(PaymentStatus.PENDING);
            assertThat(p.pending()).isEqualTo(new PendingCall(Operation.AUTHORIZE, PAY, AMOUNT, T0, 1));
            assertThat(p.pending().processorKey()).isEqualTo("pay_1:authorize");
            assertThat(p.money()).isEqualTo(Money.of(AMOUNT, "USD"));
            assertThat(p.version()).isZero();
            assertThat(p.oldestPendingSend()).isEqualTo(T0);
            assertThat(p.history()).containsExactly(new Transition(null, PaymentStatus.PENDING, T0, "created"));
        }

        @Test
        void approved_withoutCapture_holdsTheAmountButCapturesNothing() {
            Payment p = authorized();

            assertThat(p.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(p.authorizedAmount()).isEqualTo(AMOUNT);
            assertThat(p.capturedAmount()).isZero();
            assertThat(p.processorReference()).isEqualTo("auth_1");
            assertThat(p.pending()).isNull();
            assertThat(p.hasPendingCalls()).isFalse();
            assertThat(p.oldestPendingSend()).isNull();
            assertThat(p.recordedOutcome(PAY)).isEqualTo(Outcome.APPROVED);
        }

        @Test
        void approved_withCaptureRequested_goesStraightToCaptured() {
            Payment p = pending(true).recordOutcome(PAY, Outcome.APPROVED, "auth_1", T1);

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
            assertThat(p.pending()).isNull();
            assertThat(p.status().isTerminal()).isTrue();
            assertThat(p.recordedOutcome(PAY)).isEqualTo(Outcome.DECLINED);
        }

        @Test
        void failed_recordsTheReasonAndHoldsNothing() {
            Payment p = in(PaymentStatus.FAILED);

            assertThat(p.failureReason()).isEqualTo("processor_error");
            assertThat(p.authorizedAmount()).isZero();
            assertThat(p.recordedOutcome(PAY)).isEqualTo(Outcome.FAILED);
        }

        @Test
        void sameOutcomeRecordedAgain_isRecognised_soARetriedWriteIsNeverAppliedTwice() {
            Payment p = authorized();

            assertThat(p.recordOutcome(PAY, Outcome.APPROVED, "auth_1", T2)).isSameAs(p);
        }

        @Test
        void aDifferentLateOutcome_isAConflict_neverAnOverwrite() {
            Payment p = authorized();

            // A late duplicate answer (e.g. reconciliation racing the request) must not overwrite the first one.
            assertThatThrownBy(() -> p.recordOutcome(PAY, Outcome.DECLINED, "late", T2))
                    .isInstanceOf(OutcomeConflictException.class)
                    .hasMessageContaining(PAY).hasMessageContaining("APPROVED").hasMessageContaining("DECLINED");
        }

        @Test
        void resend_recordsTheNewSendTime_andCountsTheSend() {
            Payment resent = pending(false).resend(PAY, T2);

            assertThat(resent.pending()).isEqualTo(new PendingCall(Operation.AUTHORIZE, PAY, AMOUNT, T2, 2));
            assertThat(resent.oldestPendingSend()).isEqualTo(T2);
            assertThat(resent.version()).isEqualTo(1);
            assertThat(resent.history()).hasSize(1);
        }

        @Test
        void resend_ofACallThatIsNoLongerPending_changesNothing() {
            Payment p = authorized();

            assertThat(p.resend(PAY, T2)).isSameAs(p);
            assertThat(p.resend("att_other", T2)).isSameAs(p);
        }
    }

    // ---- "never arrived" decisions ---------------------------------------------------------------------------

    @Nested
    class NeverArrived {
        @Test
        void neverArrived_forTheSendItSaw_failsTheCall() {
            Payment p = pending(false).neverArrived(PAY, 1, T3);

            assertThat(p.status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(p.failureReason()).isEqualTo(Payment.NEVER_ARRIVED);
        }

        @Test
        void neverArrived_decidedBeforeAResend_changesNothing() {
            // History 1 of issue 11: a retry re-sends the authorization while a GET, which saw send 1, concludes
            // "never arrived". The decision is about send 1 only; it must not fail the call now on its way again.
            Payment resent = pending(false).resend(PAY, T2);

            assertThat(resent.neverArrived(PAY, 1, T3)).isSameAs(resent);
            assertThat(resent.neverArrived(PAY, 2, T3).status()).isEqualTo(PaymentStatus.FAILED);
        }

        @Test
        void neverArrived_forAnOlderAttempt_leavesTheNewerOneAlone() {
            // History 2 of issue 11: a stale GET's "not found" for capture attempt 1 must not clear attempt 2.
            Payment second = authorized()
                    .beginCapture("att_1", AMOUNT, T1).recordOutcome("att_1", Outcome.FAILED, "processor_error", T1)
                    .beginCapture("att_2", AMOUNT, T2);

            assertThat(second.neverArrived("att_1", 1, T3)).isSameAs(second);
            Payment captured = second.recordOutcome("att_2", Outcome.APPROVED, "cap_2", T3);
            assertThat(captured.status()).isEqualTo(PaymentStatus.CAPTURED);
        }

        @Test
        void notExecuted_settlesOnlyACallThatWasSentOnce() {
            Payment once = pending(false);
            Payment failed = once.notExecuted(PAY, 1, "processor unreachable", T1);
            assertThat(failed.status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(failed.failureReason()).isEqualTo("processor unreachable");

            // An earlier send may have landed: that a later one could not leave says nothing about it.
            Payment resent = once.resend(PAY, T2);
            assertThat(resent.notExecuted(PAY, 2, "processor unreachable", T3)).isSameAs(resent);
            assertThat(resent.notExecuted(PAY, 1, "processor unreachable", T3)).isSameAs(resent);
        }

        @Test
        void refundNotExecuted_settlesOnlyARefundThatWasSentOnce() {
            Payment held = captured().beginRefund("re_1", 4_000, T2);
            assertThat(held.refundNotExecuted("re_1", 1, "processor unreachable", T3).refund("re_1").status())
                    .isEqualTo(RefundStatus.FAILED);

            Payment resent = held.resendRefund("re_1", T3);
            assertThat(resent.refundNotExecuted("re_1", 2, "processor unreachable", T3)).isSameAs(resent);
        }

        @Test
        void refundNeverArrived_appliesOnlyToThePendingRefundAndTheSendItSaw() {
            Payment held = captured().beginRefund("re_1", 4_000, T2);
            Payment resent = held.resendRefund("re_1", T3);

            assertThat(resent.refund("re_1").sends()).isEqualTo(2);
            assertThat(resent.refund("re_1").lastSentAt()).isEqualTo(T3);
            assertThat(resent.refundNeverArrived("re_1", 1, T3)).isSameAs(resent);
            assertThat(resent.refundNeverArrived("re_unknown", 1, T3)).isSameAs(resent);

            Payment failed = resent.refundNeverArrived("re_1", 2, T3);
            assertThat(failed.refund("re_1").status()).isEqualTo(RefundStatus.FAILED);
            assertThat(failed.refund("re_1").failureReason()).isEqualTo("failed: " + Payment.NEVER_ARRIVED);
            assertThat(failed.refundableAmount()).isEqualTo(AMOUNT);
            // Once decided, the same decision again is a no-op.
            assertThat(failed.refundNeverArrived("re_1", 2, T3)).isSameAs(failed);
        }
    }

    // ---- capture -----------------------------------------------------------------------------------------------

    @Nested
    class Capture {
        @Test
        void capture_rejectsAmountAboveAuthorized() {
            assertThatThrownBy(() -> authorized().beginCapture("att", AMOUNT + 1, T2))
                    .isInstanceOfSatisfying(ValidationException.class,
                            e -> assertThat(e.errors()).extracting(FieldError::field).containsExactly("amount"));
        }

        @Test
        void capture_rejectsZeroAndNegativeAmounts() {
            assertThatThrownBy(() -> authorized().beginCapture("att", 0, T2)).isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> authorized().beginCapture("att", -1, T2)).isInstanceOf(ValidationException.class);
        }

        @Test
        void beginCapture_recordsThePendingCallWithoutChangingStatusOrHistory() {
            Payment before = authorized();
            Payment started = before.beginCapture("att_cap", AMOUNT, T2);

            assertThat(started.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(started.pending()).isEqualTo(new PendingCall(Operation.CAPTURE, "att_cap", AMOUNT, T2, 1));
            assertThat(started.pending().processorKey()).isEqualTo("att_cap:capture");
            assertThat(started.isPending("att_cap")).isTrue();
            assertThat(started.capturedAmount()).isZero();
            assertThat(started.history()).isEqualTo(before.history());
        }

        @Test
        void beginCapture_ofTheAttemptAlreadyPending_isRecognised() {
            Payment started = authorized().beginCapture("att_cap", AMOUNT, T2);

            // A retried write of the same begin (its first answer was lost) must not fail as "in progress".
            assertThat(started.beginCapture("att_cap", AMOUNT, T3)).isSameAs(started);
        }

        @Test
        void capture_ofTheFullAmount_isRecordedAsCaptured_andKeptAsAFinishedAttempt() {
            Payment p = captured();

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(AMOUNT);
            assertThat(p.history().getLast().reason()).isEqualTo("captured");
            assertThat(p.finishedAttempt("att_cap")).contains(
                    new Attempt("att_cap", Operation.CAPTURE, AMOUNT, Outcome.APPROVED, null, T2));
            assertThat(p.recordedOutcome("att_cap")).isEqualTo(Outcome.APPROVED);
            assertThat(p.recordOutcome("att_cap", Outcome.APPROVED, "cap_1", T3)).isSameAs(p);
        }

        @Test
        void partialCapture_capturesOnlyTheRequestedAmount() {
            Payment p = authorized().beginCapture("att", 6_000, T2).recordOutcome("att", Outcome.APPROVED, "c", T2);

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(6_000);
            assertThat(p.authorizedAmount()).isEqualTo(AMOUNT);
            assertThat(p.refundableAmount()).isEqualTo(6_000);
            assertThat(p.history().getLast().reason()).isEqualTo("partially captured");
        }

        @Test
        void capture_isAllowedOnlyOnce() {
            Payment partial = authorized().beginCapture("att", 6_000, T2).recordOutcome("att", Outcome.APPROVED, "c", T2);

            // The remaining 4000 of the authorization cannot be captured by a second capture.
            assertThatThrownBy(() -> partial.beginCapture("att_2", 4_000, T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class, e -> {
                        assertThat(e.currentStatus()).isEqualTo(PaymentStatus.CAPTURED);
                        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED_IN_STATUS);
                    });
        }

        @Test
        void secondCapture_whileTheFirstIsInProgress_isRejectedAsInProgress() {
            Payment inProgress = authorized().beginCapture("att", AMOUNT, T2);

            assertThatThrownBy(() -> inProgress.beginCapture("att_2", AMOUNT, T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class, e -> {
                        assertThat(e.currentStatus()).isEqualTo(PaymentStatus.AUTHORIZED);
                        assertThat(e.reason()).isEqualTo(Reason.OPERATION_IN_PROGRESS);
                    });
            assertThatThrownBy(() -> inProgress.beginCancel("att_3", T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.OPERATION_IN_PROGRESS));
        }

        @Test
        void captureDeclined_staysAuthorized_recordsWhy_andAllowsANewAttempt() {
            Payment declined = authorized().beginCapture("att", AMOUNT, T2)
                    .recordOutcome("att", Outcome.DECLINED, "do_not_honor", T3);

            assertThat(declined.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(declined.pending()).isNull();
            assertThat(declined.capturedAmount()).isZero();
            assertThat(declined.finishedAttempt("att")).contains(
                    new Attempt("att", Operation.CAPTURE, AMOUNT, Outcome.DECLINED, "do_not_honor", T3));
            assertThat(declined.history().getLast()).isEqualTo(new Transition(PaymentStatus.AUTHORIZED,
                    PaymentStatus.AUTHORIZED, T3, "capture declined: do_not_honor"));
            assertThat(declined.beginCapture("att_2", AMOUNT, T3).pending().operation()).isEqualTo(Operation.CAPTURE);
        }

        @Test
        void outcomeOfAnOlderAttempt_neverSettlesTheNewerOne() {
            Payment second = authorized()
                    .beginCapture("att_1", AMOUNT, T1).recordOutcome("att_1", Outcome.FAILED, "processor_error", T1)
                    .beginCapture("att_2", AMOUNT, T2);

            // A late, contradicting answer for attempt 1 is a conflict; it does not touch attempt 2.
            assertThatThrownBy(() -> second.recordOutcome("att_1", Outcome.APPROVED, "cap_1", T3))
                    .isInstanceOf(OutcomeConflictException.class);
            // The same answer for attempt 1 again is recognised and changes nothing.
            assertThat(second.recordOutcome("att_1", Outcome.FAILED, "processor_error", T3)).isSameAs(second);
            assertThat(second.isPending("att_2")).isTrue();
        }

        @Test
        void finishedAttempts_areBounded_withAReserveSoAHoldCanAlwaysBeVoided() {
            Payment p = authorized();
            for (int i = 0; i < Payment.MAX_ATTEMPTS; i++) {
                p = p.beginCapture("att_" + i, AMOUNT, T2).recordOutcome("att_" + i, Outcome.FAILED, "x", T2);
            }
            Payment capturesUsedUp = p;
            assertThat(capturesUsedUp.attempts()).hasSize(Payment.MAX_ATTEMPTS);

            assertThatThrownBy(() -> capturesUsedUp.beginCapture("att_more", AMOUNT, T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.LIMIT_REACHED));
            // Failed captures must never leave an authorization that cannot be released.
            for (int i = 0; i < Payment.CANCEL_RESERVE; i++) {
                p = p.beginCancel("can_" + i, T3).recordOutcome("can_" + i, Outcome.FAILED, "x", T3);
            }
            Payment full = p;
            assertThat(full.attempts()).hasSize(Payment.MAX_ATTEMPTS + Payment.CANCEL_RESERVE);
            assertThatThrownBy(() -> full.beginCancel("can_more", T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.LIMIT_REACHED));
        }

        @Test
        void processorText_isBounded_whateverTheProcessorSends() {
            String essay = "r".repeat(Payment.MAX_DETAIL * 50);
            Payment failed = authorized().beginCapture("att", AMOUNT, T2)
                    .recordOutcome("att", Outcome.DECLINED, essay, T3);
            Payment refundFailed = captured().beginRefund("re_1", 1, T2)
                    .recordRefundOutcome("re_1", Outcome.DECLINED, essay, T3);

            assertThat(failed.finishedAttempt("att").orElseThrow().reason()).hasSize(Payment.MAX_DETAIL);
            assertThat(failed.history().getLast().reason().length()).isLessThan(Payment.MAX_DETAIL + 40);
            assertThat(refundFailed.refund("re_1").failureReason().length()).isLessThan(Payment.MAX_DETAIL + 20);
            // The bounded text is what is recorded, so the same long answer again is recognised, not a conflict.
            assertThat(failed.recordOutcome("att", Outcome.DECLINED, essay, T3)).isSameAs(failed);
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
            assertThat(p.pending()).isNull();
            assertThat(p.history().getLast().to()).isEqualTo(PaymentStatus.CANCELED);
            assertThat(p.recordedOutcome("att_can")).isEqualTo(Outcome.APPROVED);
        }

        @Test
        void beginCancel_keysTheCallByTheAttempt_andIsRecognisedWhenRetried() {
            Payment started = authorized().beginCancel("att_can", T2);

            assertThat(started.pending()).isEqualTo(new PendingCall(Operation.CANCEL, "att_can", 0, T2, 1));
            assertThat(started.pending().processorKey()).isEqualTo("att_can:cancel");
            assertThat(started.beginCancel("att_can", T3)).isSameAs(started);
        }

        @Test
        void cancelFailed_staysAuthorizedAndCanBeCapturedAfterwards() {
            Payment p = authorized().beginCancel("att", T2).recordOutcome("att", Outcome.FAILED, "processor error: x", T3);

            assertThat(p.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(p.pending()).isNull();
            assertThat(p.history().getLast().reason()).isEqualTo("cancel failed: processor error: x");
            assertThat(p.beginCapture("att_2", AMOUNT, T3).pending().operation()).isEqualTo(Operation.CAPTURE);
        }

        @Test
        void capture_whileACancelIsInProgress_isRejected() {
            Payment cancelling = authorized().beginCancel("att", T2);

            assertThatThrownBy(() -> cancelling.beginCapture("att_2", AMOUNT, T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.OPERATION_IN_PROGRESS));
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
            assertThat(p.refund("re_1").processorKey()).isEqualTo("re_1:refund");
        }

        @Test
        void refundsSummingToTheCapturedAmount_makeThePaymentRefunded() {
            Payment p = partiallyRefunded().beginRefund("re_2", 7_000, T3)
                    .recordRefundOutcome("re_2", Outcome.APPROVED, "ref_2", T3);

            assertThat(p.status()).isEqualTo(PaymentStatus.REFUNDED);
            assertThat(p.refundedAmount()).isEqualTo(AMOUNT);
            assertThat(p.refundableAmount()).isZero();
            assertThat(p.status().isTerminal()).isTrue();
        }

        @Test
        void refund_rejectsAmountAboveWhatIsLeft() {
            Payment p = partiallyRefunded();

            assertThatThrownBy(() -> p.beginRefund("re_2", 7_001, T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class, e -> {
                        assertThat(e.currentStatus()).isEqualTo(PaymentStatus.PARTIALLY_REFUNDED);
                        assertThat(e.reason()).isEqualTo(Reason.EXCEEDS_REFUNDABLE);
                    });
            assertThat(p.beginRefund("re_2", 7_000, T3).refund("re_2").status()).isEqualTo(RefundStatus.PENDING);
        }

        @Test
        void refund_isLimitedByTheCapturedAmount_notTheAuthorizedAmount() {
            Payment p = authorized().beginCapture("att", 6_000, T2).recordOutcome("att", Outcome.APPROVED, "c", T2);

            assertThatThrownBy(() -> p.beginRefund("re_1", 6_001, T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.EXCEEDS_REFUNDABLE));
        }

        @Test
        void pendingRefund_holdsItsAmountSoConcurrentRefundsCannotOverdraw() {
            Payment held = captured().beginRefund("re_1", 6_000, T3);

            assertThat(held.refundableAmount()).isEqualTo(4_000);
            assertThat(held.refundedAmount()).isZero();
            assertThat(held.hasPendingCalls()).isTrue();
            assertThat(held.oldestPendingSend()).isEqualTo(T3);
            assertThatThrownBy(() -> held.beginRefund("re_2", 5_000, T3))
                    .isInstanceOf(InvalidStateTransitionException.class);
        }

        @Test
        void beginRefund_withAnIdItAlreadyHas_isRecognised_neverASecondRefund() {
            // History 5 of issue 11: the write committed, its answer was lost, the retry re-applies beginRefund.
            Payment held = captured().beginRefund("re_1", 6_000, T3);

            assertThat(held.beginRefund("re_1", 6_000, T3)).isSameAs(held);
            assertThat(held.refunds()).hasSize(1);
        }

        @Test
        void failedRefund_releasesItsHold() {
            Payment failed = captured().beginRefund("re_1", 6_000, T3)
                    .recordRefundOutcome("re_1", Outcome.DECLINED, "x", T3);

            assertThat(failed.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(failed.refund("re_1").status()).isEqualTo(RefundStatus.FAILED);
            assertThat(failed.refund("re_1").failureReason()).isEqualTo("declined: x");
            assertThat(failed.refundableAmount()).isEqualTo(AMOUNT);
            assertThat(failed.history().getLast().reason()).isEqualTo("refund re_1 declined");
        }

        @Test
        void refundOutcome_recordedAgainIsRecognised_andAContradictionIsAConflict() {
            Payment done = partiallyRefunded();

            assertThat(done.recordRefundOutcome("re_1", Outcome.APPROVED, "ref_again", T3)).isSameAs(done);
            assertThatThrownBy(() -> done.recordRefundOutcome("re_1", Outcome.FAILED, "late", T3))
                    .isInstanceOf(OutcomeConflictException.class);
        }

        @Test
        void resendRefund_ofAFinishedOrUnknownRefund_changesNothing() {
            Payment done = partiallyRefunded();

            assertThat(done.resendRefund("re_1", T3)).isSameAs(done);
            assertThat(done.resendRefund("re_unknown", T3)).isSameAs(done);
        }

        @Test
        void refund_rejectsZeroAndNegativeAmounts() {
            assertThatThrownBy(() -> captured().beginRefund("re_1", 0, T3)).isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> captured().beginRefund("re_1", -5, T3)).isInstanceOf(ValidationException.class);
        }

        @Test
        void refundOutcome_ofAnUnknownRefundId_isAProgrammingError() {
            assertThatThrownBy(() -> captured().recordRefundOutcome("re_missing", Outcome.APPROVED, "x", T3))
                    .isInstanceOf(IllegalStateException.class);
        }

        @Test
        void refunds_areBounded_evenWhenTheyFail() {
            // History 7 of issue 11: failed refunds must not grow the item forever.
            Payment p = captured();
            for (int i = 0; i < Payment.MAX_REFUNDS; i++) {
                p = p.beginRefund("re_" + i, 1, T3).recordRefundOutcome("re_" + i, Outcome.FAILED, "x", T3);
            }
            Payment full = p;
            assertThat(full.refundableAmount()).isEqualTo(AMOUNT);

            assertThatThrownBy(() -> full.beginRefund("re_more", 1, T3))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.LIMIT_REACHED));
        }
    }

    // ---- history and versions ----------------------------------------------------------------------------------

    @Test
    void history_recordsEveryStatusChangeWithItsTimeAndReason() {
        Payment p = pending(false).recordOutcome(PAY, Outcome.APPROVED, "auth_1", T1)
                .beginCapture("att", AMOUNT, T2).recordOutcome("att", Outcome.APPROVED, "cap_1", T2)
                .beginRefund("re_1", AMOUNT, T3).recordRefundOutcome("re_1", Outcome.APPROVED, "ref_1", T3);

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
                p -> p.resend(PAY, T1),
                p -> p.recordOutcome(PAY, Outcome.APPROVED, "auth_1", T1),
                p -> p.beginCapture("att", AMOUNT, T2),
                p -> p.resend("att", T2),
                p -> p.recordOutcome("att", Outcome.APPROVED, "cap_1", T2),
                p -> p.beginRefund("re_1", 1_000, T3),
                p -> p.resendRefund("re_1", T3),
                p -> p.recordRefundOutcome("re_1", Outcome.APPROVED, "ref_1", T3),
                p -> p.beginRefund("re_2", 1_000, T3),
                p -> p.refundNeverArrived("re_2", 1, T3));
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
        Payment after = before.beginCapture("att", AMOUNT, T2);

        assertThat(before.pending()).isNull();
        assertThat(before.version()).isEqualTo(after.version() - 1);
        assertThat(after).isNotSameAs(before);
    }

    @Test
    void collections_areDefensivelyCopied() {
        List<Transition> history = new ArrayList<>(List.of(new Transition(null, PaymentStatus.PENDING, T0, "x")));
        List<Attempt> attempts = new ArrayList<>(List.of(
                new Attempt("att_0", Operation.CAPTURE, 1, Outcome.FAILED, "x", T0)));
        Payment p = new Payment("pay_9", "m", 1, "USD", "tok_…1234", null, null, false, PaymentStatus.PENDING, 0, 0,
                null, new PendingCall(Operation.AUTHORIZE, "pay_9", 1, T0, 1), attempts, null, null, null, history,
                T0, T0, 0, "us-east-1");
        history.clear();
        attempts.clear();

        assertThat(p.history()).hasSize(1);
        assertThat(p.attempts()).hasSize(1);
        assertThat(p.metadata()).isEmpty();
        assertThat(p.refunds()).isEmpty();
        assertThatThrownBy(() -> p.history().add(null)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> p.attempts().add(null)).isInstanceOf(UnsupportedOperationException.class);
    }
}
