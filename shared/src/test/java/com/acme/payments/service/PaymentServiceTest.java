package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.InvalidStateTransitionException;
import com.acme.payments.domain.Operation;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentNotFoundException;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.domain.Transition;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.processordouble.InMemoryProcessor;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.processordouble.InMemoryProcessor.Kind;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PaymentServiceTest {
    private static final String MERCHANT = "merchant_a";
    private static final String OTHER_MERCHANT = "merchant_b";
    private static final AppConfig CONFIG = new AppConfig(URI.create("https://processor.example"), "secret-key",
            Duration.ofSeconds(3), Map.of("USD", 1_000_000L, "EUR", 1_000_000L), Map.of());

    private final MutableClock clock = new MutableClock();
    private final InMemoryPaymentStore store = new InMemoryPaymentStore();
    private final FakeProcessor processor = new FakeProcessor();
    private final PaymentService service = new PaymentService(store, processor, () -> CONFIG, clock, "us-east-1");
    private final AtomicInteger ids = new AtomicInteger();

    private static CreatePaymentCommand command(long amount, String token, boolean capture) {
        return new CreatePaymentCommand(amount, "USD", token, "order 42", Map.of("order", "42"), capture);
    }

    private String newId() {
        return "pay_" + ids.incrementAndGet();
    }

    private Payment create(long amount, String token, boolean capture) {
        return service.create(MERCHANT, newId(), command(amount, token, capture));
    }

    private String authorized(long amount) {
        Payment p = create(amount, "tok_visa_4242", false);
        assertThat(p.status()).as("setup").isEqualTo(PaymentStatus.AUTHORIZED);
        return p.id();
    }

    private String captured(long amount) {
        Payment p = create(amount, "tok_visa_4242", true);
        assertThat(p.status()).as("setup").isEqualTo(PaymentStatus.CAPTURED);
        return p.id();
    }

    private Payment stored(String id) {
        return store.find(id).orElseThrow();
    }

    // ---- create -------------------------------------------------------------------------------------------------

    @Nested
    class Create {
        @Test
        void create_approved_isAuthorized_andStoresOnlyTheMaskedToken() {
            Payment p = create(2_500, "tok_visa_4242", false);

            assertThat(p.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(p.authorizedAmount()).isEqualTo(2_500);
            assertThat(p.processorReference()).isNotBlank();
            assertThat(p.paymentMethod()).isEqualTo("tok_…4242");
            assertThat(p.region()).isEqualTo("us-east-1");
            assertThat(stored(p.id())).isEqualTo(p);
            assertThat(processor.authorizations()).isEqualTo(1);
            // The processor key is derived from our id, so a resumed attempt can never charge twice.
            assertThat(processor.calls(Kind.AUTHORIZE)).singleElement()
                    .satisfies(c -> assertThat(c.idempotencyKey()).isEqualTo(p.id() + ":authorize"));
        }

        @Test
        void create_withCapture_isCapturedInOneStep() {
            Payment p = create(2_500, "tok_visa_4242", true);

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(2_500);
        }

        @Test
        void create_declined_isDeclinedWithTheProcessorsReason() {
            Payment p = create(2_500, "tok_decline_insufficient", false);

            assertThat(p.status()).isEqualTo(PaymentStatus.DECLINED);
            assertThat(p.declineReason()).isEqualTo("card_declined");
            assertThat(stored(p.id()).status()).isEqualTo(PaymentStatus.DECLINED);
            assertThat(processor.authorizations()).isZero();
        }

        @Test
        void create_processorError_isFailed() {
            Payment p = create(2_500, "tok_error_500", false);

            assertThat(p.status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(p.failureReason()).isEqualTo("processor_error");
            assertThat(p.pendingOperation()).isNull();
        }

        @Test
        void create_processorTimeout_staysPendingInsteadOfGuessing() {
            Payment p = create(2_500, "tok_timeout_slow", false);

            // The processor did charge; reporting FAILED here would invite a second, duplicate payment.
            assertThat(p.status()).isEqualTo(PaymentStatus.PENDING);
            assertThat(p.pendingOperation()).isEqualTo(Operation.AUTHORIZE);
            assertThat(stored(p.id()).status()).isEqualTo(PaymentStatus.PENDING);
            assertThat(processor.authorizations()).isEqualTo(1);
        }

        @Test
        void create_invalidCommand_storesNothingAndNeverCallsTheProcessor() {
            assertThatThrownBy(() -> service.create(MERCHANT, newId(), command(0, "tok_visa_4242", false)))
                    .isInstanceOf(ValidationException.class);

            assertThat(store.all()).isEmpty();
            assertThat(processor.calls()).isEmpty();
        }

        @Test
        void create_resumingAPendingPayment_reusesTheAuthorizeKey_soTheCardIsChargedOnce() {
            // A retry that took over an abandoned idempotency claim calls create again with the same payment id.
            String id = newId();
            CreatePaymentCommand cmd = command(2_500, "tok_timeout_slow", false);
            assertThat(service.create(MERCHANT, id, cmd).status()).isEqualTo(PaymentStatus.PENDING);

            Payment resumed = service.create(MERCHANT, id, cmd);

            assertThat(resumed.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(processor.authorizeCalls()).isEqualTo(2);
            assertThat(processor.authorizations()).isEqualTo(1);
            assertThat(store.all()).hasSize(1);
        }

        @Test
        void create_forAnAlreadyDecidedPayment_returnsItWithoutCallingTheProcessorAgain() {
            String id = authorized(2_500);

            Payment again = service.create(MERCHANT, id, command(2_500, "tok_visa_4242", false));

            assertThat(again).isEqualTo(stored(id));
            assertThat(processor.authorizeCalls()).isEqualTo(1);
        }

        @Test
        void create_withAnotherMerchantsPaymentId_isNotFound_andCallsNothing() {
            String id = authorized(2_500);

            assertThatThrownBy(() -> service.create(OTHER_MERCHANT, id, command(2_500, "tok_visa_4242", false)))
                    .isInstanceOf(PaymentNotFoundException.class);
            assertThat(processor.authorizeCalls()).isEqualTo(1);
        }
    }

    // ---- capture ------------------------------------------------------------------------------------------------

    @Nested
    class Capture {
        @Test
        void capture_withoutAmount_capturesTheFullAuthorization() {
            String id = authorized(2_500);

            Payment p = service.capture(MERCHANT, id, null);

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(2_500);
            assertThat(stored(id)).isEqualTo(p);
            assertThat(processor.calls(Kind.CAPTURE)).singleElement()
                    .satisfies(c -> assertThat(c.amount()).isEqualTo(2_500));
        }

        @Test
        void capture_partial_capturesOnlyThatAmount() {
            String id = authorized(2_500);

            Payment p = service.capture(MERCHANT, id, 1_000L);

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(1_000);
            assertThat(processor.calls(Kind.CAPTURE).getFirst().amount()).isEqualTo(1_000);
        }

        @Test
        void capture_rejectsAmountAboveAuthorized_withoutCallingTheProcessor() {
            String id = authorized(2_500);

            assertThatThrownBy(() -> service.capture(MERCHANT, id, 2_501L)).isInstanceOf(ValidationException.class);
            assertThat(processor.calls(Kind.CAPTURE)).isEmpty();
            assertThat(stored(id).pendingOperation()).isNull();
        }

        @Test
        void capture_twice_isAConflict_andMovesMoneyOnce() {
            String id = authorized(2_500);
            service.capture(MERCHANT, id, 1_000L);

            assertThatThrownBy(() -> service.capture(MERCHANT, id, 1_000L))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.CAPTURED));
            assertThat(processor.captures()).isEqualTo(1);
        }

        @Test
        void capture_processorFailure_leavesThePaymentAuthorized_withAHistoryEntry() {
            String id = authorized(2_500);
            processor.failNextFollowUp(FollowUpFailure.ERROR);

            ProcessorRejectedException e = catchThrowableOfType(ProcessorRejectedException.class,
                    () -> service.capture(MERCHANT, id, null));

            assertThat(e).isNotNull();
            assertThat(e.declined()).isFalse();
            assertThat(e.reason()).isEqualTo("processor_unavailable");
            Payment after = stored(id);
            assertThat(e.payment()).isEqualTo(after);
            assertThat(after.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(after.pendingOperation()).isNull();
            assertThat(after.capturedAmount()).isZero();
            assertThat(after.history().getLast()).isEqualTo(new Transition(PaymentStatus.AUTHORIZED,
                    PaymentStatus.AUTHORIZED, clock.instant(), "capture failed: processor error: processor_unavailable"));
            assertThat(processor.captures()).isZero();
        }

        @Test
        void capture_afterADecline_canBeRetried_andTheRetryIsANewProcessorRequest() {
            String id = authorized(2_500);
            processor.failNextFollowUp(FollowUpFailure.DECLINE);
            ProcessorRejectedException declined = catchThrowableOfType(ProcessorRejectedException.class,
                    () -> service.capture(MERCHANT, id, null));
            assertThat(declined.declined()).isTrue();
            assertThat(declined.reason()).isEqualTo("do_not_honor");

            Payment retried = service.capture(MERCHANT, id, null);

            // Had the retry reused the first key, the processor would have replayed the decline.
            assertThat(retried.status()).isEqualTo(PaymentStatus.CAPTURED);
            List<InMemoryProcessor.Call> calls = processor.calls(Kind.CAPTURE);
            assertThat(calls).hasSize(2);
            assertThat(calls.get(0).idempotencyKey()).isNotEqualTo(calls.get(1).idempotencyKey());
            assertThat(processor.captures()).isEqualTo(1);
        }

        @Test
        void capture_timeout_leavesThePendingCapture_andReadingThePaymentReconcilesIt() {
            String id = authorized(2_500);
            processor.failNextFollowUp(FollowUpFailure.TIMEOUT);

            Payment unknown = service.capture(MERCHANT, id, null);

            assertThat(unknown.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(unknown.pendingOperation()).isEqualTo(Operation.CAPTURE);
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(stored(id).pendingOperation()).isNull();
            assertThat(processor.captures()).isEqualTo(1);
        }

        @Test
        void capture_ofACanceledPayment_isAConflict() {
            String id = authorized(2_500);
            service.cancel(MERCHANT, id);

            assertThatThrownBy(() -> service.capture(MERCHANT, id, null))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.CANCELED));
            assertThat(processor.calls(Kind.CAPTURE)).isEmpty();
        }
    }

    // ---- cancel -------------------------------------------------------------------------------------------------

    @Nested
    class Cancel {
        @Test
        void cancel_voidsTheAuthorization() {
            String id = authorized(2_500);

            Payment p = service.cancel(MERCHANT, id);

            assertThat(p.status()).isEqualTo(PaymentStatus.CANCELED);
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.CANCELED);
            assertThat(processor.voids()).isEqualTo(1);
        }

        @Test
        void cancel_processorFailure_leavesThePaymentAuthorized() {
            String id = authorized(2_500);
            processor.failNextFollowUp(FollowUpFailure.ERROR);

            assertThatThrownBy(() -> service.cancel(MERCHANT, id)).isInstanceOf(ProcessorRejectedException.class);
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(stored(id).pendingOperation()).isNull();
            assertThat(processor.voids()).isZero();
        }

        @Test
        void cancel_ofACapturedPayment_isAConflict() {
            String id = captured(2_500);

            assertThatThrownBy(() -> service.cancel(MERCHANT, id))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.CAPTURED));
            assertThat(processor.calls(Kind.VOID)).isEmpty();
        }
    }

    // ---- refunds ------------------------------------------------------------------------------------------------

    @Nested
    class Refunds {
        @Test
        void refund_partial_leavesThePaymentPartiallyRefunded() {
            String id = captured(10_000);

            PaymentService.RefundOutcome outcome = service.refund(MERCHANT, id, "re_1", 3_000);

            assertThat(outcome.refund().status()).isEqualTo(RefundStatus.SUCCEEDED);
            assertThat(outcome.payment().status()).isEqualTo(PaymentStatus.PARTIALLY_REFUNDED);
            assertThat(outcome.payment().refundedAmount()).isEqualTo(3_000);
            assertThat(stored(id)).isEqualTo(outcome.payment());
            assertThat(processor.refundedAmount()).isEqualTo(3_000);
        }

        @Test
        void refund_ofTheRest_makesThePaymentRefunded() {
            String id = captured(10_000);
            service.refund(MERCHANT, id, "re_1", 3_000);

            PaymentService.RefundOutcome outcome = service.refund(MERCHANT, id, "re_2", 7_000);

            assertThat(outcome.payment().status()).isEqualTo(PaymentStatus.REFUNDED);
            assertThat(processor.refundedAmount()).isEqualTo(10_000);
        }

        @Test
        void refund_aboveWhatIsLeft_isRejected_beforeTheProcessorIsCalled() {
            String id = captured(10_000);
            service.refund(MERCHANT, id, "re_1", 6_000);

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_2", 4_001))
                    .isInstanceOf(InvalidStateTransitionException.class);
            assertThat(processor.calls(Kind.REFUND)).hasSize(1);
            assertThat(stored(id).refunds()).hasSize(1);
        }

        @Test
        void refund_ofAPartialCapture_isLimitedToTheCapturedAmount() {
            String id = authorized(10_000);
            service.capture(MERCHANT, id, 4_000L);

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", 4_001))
                    .isInstanceOf(InvalidStateTransitionException.class);
            assertThat(service.refund(MERCHANT, id, "re_2", 4_000).payment().status())
                    .isEqualTo(PaymentStatus.REFUNDED);
        }

        @Test
        void refund_ofAnUncapturedPayment_isAConflict() {
            String id = authorized(10_000);

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", 1_000))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.AUTHORIZED));
        }

        @Test
        void refund_withANonPositiveAmount_isInvalid() {
            String id = captured(10_000);

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", 0)).isInstanceOf(ValidationException.class);
            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", -1)).isInstanceOf(ValidationException.class);
            assertThat(stored(id).refunds()).isEmpty();
        }

        @Test
        void refund_declined_isRecordedAsFailed_andReleasesItsHold() {
            String id = captured(10_000);
            processor.failNextFollowUp(FollowUpFailure.DECLINE);

            ProcessorRejectedException e = catchThrowableOfType(ProcessorRejectedException.class,
                    () -> service.refund(MERCHANT, id, "re_1", 4_000));

            assertThat(e.declined()).isTrue();
            Payment after = stored(id);
            assertThat(after.refund("re_1").status()).isEqualTo(RefundStatus.FAILED);
            assertThat(after.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(after.refundableAmount()).isEqualTo(10_000);
            assertThat(processor.refundedAmount()).isZero();
        }

        @Test
        void refund_repeatedWithTheSameRefundId_returnsTheFirstRefund_withoutRefundingAgain() {
            String id = captured(10_000);
            PaymentService.RefundOutcome first = service.refund(MERCHANT, id, "re_1", 3_000);

            PaymentService.RefundOutcome again = service.refund(MERCHANT, id, "re_1", 3_000);

            assertThat(again.refund()).isEqualTo(first.refund());
            assertThat(processor.calls(Kind.REFUND)).hasSize(1);
            assertThat(stored(id).refundedAmount()).isEqualTo(3_000);
        }

        @Test
        void refund_retriedAfterALostAnswer_reusesTheRefundKey_soMoneyMovesOnce() {
            String id = captured(10_000);
            processor.failNextFollowUp(FollowUpFailure.TIMEOUT);
            PaymentService.RefundOutcome lost = service.refund(MERCHANT, id, "re_1", 3_000);
            assertThat(lost.refund().status()).isEqualTo(RefundStatus.PENDING);
            // While pending, the refund holds its amount.
            assertThat(lost.payment().refundableAmount()).isEqualTo(7_000);

            PaymentService.RefundOutcome resumed = service.refund(MERCHANT, id, "re_1", 3_000);

            assertThat(resumed.refund().status()).isEqualTo(RefundStatus.SUCCEEDED);
            assertThat(processor.calls(Kind.REFUND)).hasSize(2)
                    .extracting(InMemoryProcessor.Call::idempotencyKey).containsOnly("re_1:refund");
            assertThat(processor.refunds()).isEqualTo(1);
            assertThat(processor.refundedAmount()).isEqualTo(3_000);
        }

        @Test
        void pendingRefund_isResolvedWhenThePaymentIsRead() {
            String id = captured(10_000);
            processor.failNextFollowUp(FollowUpFailure.TIMEOUT);
            service.refund(MERCHANT, id, "re_1", 3_000);

            Payment read = service.get(MERCHANT, id);

            assertThat(read.refund("re_1").status()).isEqualTo(RefundStatus.SUCCEEDED);
            assertThat(read.status()).isEqualTo(PaymentStatus.PARTIALLY_REFUNDED);
        }
    }

    // ---- merchant isolation -------------------------------------------------------------------------------------

    @Test
    void anotherMerchantsPayment_isNotFound_forEveryOperation_andIsLeftUntouched() {
        String id = captured(10_000);
        Payment before = stored(id);
        int callsBefore = processor.calls().size();

        assertThatThrownBy(() -> service.get(OTHER_MERCHANT, id)).isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.capture(OTHER_MERCHANT, id, null)).isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.cancel(OTHER_MERCHANT, id)).isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.refund(OTHER_MERCHANT, id, "re_1", 1_000))
                .isInstanceOf(PaymentNotFoundException.class);
        assertThat(service.list(OTHER_MERCHANT, 10, null).items()).isEmpty();

        assertThat(stored(id)).isEqualTo(before);
        assertThat(processor.calls()).hasSize(callsBefore);
    }

    @Test
    void unknownPaymentId_isNotFound() {
        assertThatThrownBy(() -> service.get(MERCHANT, "pay_missing")).isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.capture(MERCHANT, "pay_missing", null))
                .isInstanceOf(PaymentNotFoundException.class);
    }

    @Test
    void list_returnsOnlyTheMerchantsPayments_newestFirst() {
        String first = authorized(100);
        clock.advance(Duration.ofSeconds(1));
        String second = authorized(200);
        service.create(OTHER_MERCHANT, newId(), command(300, "tok_visa_4242", false));

        assertThat(service.list(MERCHANT, 10, null).items()).extracting(Payment::id).containsExactly(second, first);
    }

    // ---- reconciliation -----------------------------------------------------------------------------------------

    @Nested
    class Reconciliation {
        @Test
        void get_resolvesATimedOutAuthorization_thatTheProcessorApproved() {
            String id = create(2_500, "tok_timeout_slow", false).id();

            Payment read = service.get(MERCHANT, id);

            assertThat(read.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(read.pendingOperation()).isNull();
            assertThat(read.processorReference()).isNotBlank();
            assertThat(stored(id)).isEqualTo(read);
            assertThat(processor.calls(Kind.LOOKUP)).extracting(InMemoryProcessor.Call::idempotencyKey)
                    .containsExactly(id + ":authorize");
            assertThat(processor.authorizations()).isEqualTo(1);
        }

        @Test
        void get_keepsAnAuthorizationUnknownToTheProcessorPending_untilTheGracePeriodHasPassed_thenFailsIt() {
            // The function died after writing PENDING and before calling the processor.
            String id = newId();
            store.create(Payment.newPending(id, MERCHANT, 2_500, "USD", "tok_…4242", null, Map.of(), false,
                    clock.instant(), "us-east-1"));

            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.PENDING);
            // "Not found" may only mean "not arrived yet" until the grace period is over, boundary included.
            clock.advance(PaymentService.RECONCILE_GRACE);
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.PENDING);

            clock.advance(Duration.ofSeconds(1));
            Payment read = service.get(MERCHANT, id);

            assertThat(read.status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(read.failureReason()).isEqualTo("never reached the processor");
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(processor.authorizations()).isZero();
        }

        @Test
        void get_neverFailsAPendingPayment_whileTheProcessorCannotBeAsked() {
            String id = create(2_500, "tok_timeout_slow", false).id();
            processor.lookupsUnavailable(true);
            clock.advance(Duration.ofMinutes(10));

            // The charge exists at the processor: only a definite answer may move the payment out of PENDING.
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.PENDING);

            processor.lookupsUnavailable(false);
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.AUTHORIZED);
        }

        @Test
        void get_releasesACaptureThatNeverReachedTheProcessor_afterTheGracePeriod() {
            String id = authorized(2_500);
            Payment current = stored(id);
            store.update(current.beginCapture(2_500, id + ":capture:" + (current.version() + 1), clock.instant()),
                    current.version());

            assertThat(service.get(MERCHANT, id).pendingOperation()).isEqualTo(Operation.CAPTURE);
            clock.advance(PaymentService.RECONCILE_GRACE.plusSeconds(1));
            Payment read = service.get(MERCHANT, id);

            assertThat(read.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(read.pendingOperation()).isNull();
            assertThat(read.failureReason()).contains("never reached the processor");
            assertThat(service.capture(MERCHANT, id, null).status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(processor.captures()).isEqualTo(1);
        }

        @Test
        void get_ofAnIdlePayment_doesNotAskTheProcessor() {
            String id = captured(2_500);

            service.get(MERCHANT, id);

            assertThat(processor.calls(Kind.LOOKUP)).isEmpty();
        }
    }

    // ---- concurrency --------------------------------------------------------------------------------------------

    @RepeatedTest(3)
    void concurrentRefunds_neverExceedTheCapturedAmount() throws Exception {
        String id = captured(100);

        List<Result<PaymentService.RefundOutcome>> results = runConcurrently(20,
                i -> service.refund(MERCHANT, id, "re_" + i, 10));

        List<Throwable> failures = results.stream().filter(r -> r.error() != null).map(Result::error).toList();
        assertThat(results.stream().filter(r -> r.value() != null)).hasSize(10);
        // Losers must be told "nothing left to refund", not a retry-exhausted conflict while money was still left.
        assertThat(failures).hasSize(10).allSatisfy(t -> assertThat(t).isInstanceOf(InvalidStateTransitionException.class));
        Payment after = stored(id);
        assertThat(after.refundedAmount()).isEqualTo(100);
        assertThat(after.status()).isEqualTo(PaymentStatus.REFUNDED);
        assertThat(after.refunds()).hasSize(10);
        assertThat(processor.refunds()).isEqualTo(10);
        assertThat(processor.refundedAmount()).isEqualTo(100);
    }

    @RepeatedTest(3)
    void concurrentCaptures_sendExactlyOneCaptureToTheProcessor() throws Exception {
        String id = authorized(1_000);

        List<Result<Payment>> results = runConcurrently(10, i -> service.capture(MERCHANT, id, null));

        assertThat(results.stream().filter(r -> r.value() != null)).hasSize(1);
        assertThat(results.stream().filter(r -> r.error() != null).map(Result::error))
                .hasSize(9).allSatisfy(t -> assertThat(t).isInstanceOf(InvalidStateTransitionException.class));
        assertThat(processor.calls(Kind.CAPTURE)).hasSize(1);
        assertThat(stored(id).capturedAmount()).isEqualTo(1_000);
    }

    record Result<T>(T value, Throwable error) { }

    interface Task<T> {
        T run(int index) throws Exception;
    }

    /** Starts {@code n} tasks at the same instant (a latch releases them together) and collects every outcome. */
    private static <T> List<Result<T>> runConcurrently(int n, Task<T> task) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            for (int i = 0; i < n; i++) {
                int index = i;
                Callable<T> c = () -> {
                    start.await();
                    return task.run(index);
                };
                futures.add(pool.submit(c));
            }
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("tasks finished").isTrue();
        }
        List<Result<T>> results = new ArrayList<>();
        for (Future<T> f : futures) {
            try {
                results.add(new Result<>(f.get(), null));
            } catch (ExecutionException e) {
                results.add(new Result<>(null, e.getCause()));
            }
        }
        return results;
    }
}
