package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.Attempt;
import com.acme.payments.domain.Attempt.Outcome;
import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.InvalidStateTransitionException;
import com.acme.payments.domain.InvalidStateTransitionException.Reason;
import com.acme.payments.domain.Money;
import com.acme.payments.domain.Operation;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentNotFoundException;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.domain.Transition;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.port.PaymentStore;
import com.acme.payments.processordouble.InMemoryProcessor;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.processordouble.InMemoryProcessor.Kind;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PaymentServiceTest {
    private static final String MERCHANT = "merchant_a";
    private static final String OTHER_MERCHANT = "merchant_b";
    private static final AppConfig CONFIG = new AppConfig(URI.create("https://processor.example"), "secret-key",
            Duration.ofSeconds(3), Map.of("USD", 1_000_000L, "EUR", 500_000L, "JPY", 100_000_000L), Map.of());

    private final MutableClock clock = new MutableClock();
    private final FaultyStore store = new FaultyStore(new InMemoryPaymentStore());
    private final HookedProcessor processor = new HookedProcessor(new FakeProcessor());
    /** No real sleep between write tries: the tests below lose races on purpose. */
    private final PaymentService service = new PaymentService(store, processor, () -> CONFIG, clock, "us-east-1",
            attempt -> { });
    private final AtomicInteger ids = new AtomicInteger();

    private static CreatePaymentCommand command(long amount, String currency, String token, boolean capture) {
        return CreatePaymentCommand.of(amount, currency, token, "order 42", Map.of("order", "42"), capture);
    }

    private static CreatePaymentCommand command(long amount, String token, boolean capture) {
        return command(amount, "USD", token, capture);
    }

    private String newId() {
        return "pay_" + ids.incrementAndGet();
    }

    private String newAttempt() {
        return "att_" + ids.incrementAndGet();
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

    private FakeProcessor fake() {
        return processor.fake;
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
            assertThat(fake().authorizations()).isEqualTo(1);
            // The processor key is derived from our id, so a resumed attempt can never charge twice.
            assertThat(fake().calls(Kind.AUTHORIZE)).singleElement()
                    .satisfies(c -> assertThat(c.idempotencyKey()).isEqualTo(p.id() + ":authorize"));
        }

        @Test
        void create_sendsTheRealTokenToTheProcessor_andNowhereElse() {
            AtomicReference<String> sent = new AtomicReference<>();
            processor.beforeAuthorize = request -> sent.set(request.paymentMethod());

            Payment p = create(2_500, "tok_visa_4242", false);

            assertThat(sent.get()).isEqualTo("tok_visa_4242");
            assertThat(stored(p.id()).toString()).doesNotContain("tok_visa_4242");
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
            assertThat(fake().authorizations()).isZero();
        }

        @Test
        void create_processorError_isFailed() {
            Payment p = create(2_500, "tok_error_500", false);

            assertThat(p.status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(p.failureReason()).isEqualTo("processor_error");
            assertThat(p.pending()).isNull();
        }

        @Test
        void create_processorTimeout_staysPendingInsteadOfGuessing() {
            Payment p = create(2_500, "tok_timeout_slow", false);

            // The processor did charge; reporting FAILED here would invite a second, duplicate payment.
            assertThat(p.status()).isEqualTo(PaymentStatus.PENDING);
            assertThat(p.pending().operation()).isEqualTo(Operation.AUTHORIZE);
            assertThat(stored(p.id()).status()).isEqualTo(PaymentStatus.PENDING);
            assertThat(fake().authorizations()).isEqualTo(1);
        }

        @ParameterizedTest
        @ValueSource(strings = {"GBP", "KWD"})
        void create_inACurrencyThePolicyDoesNotAccept_isRefused_beforeAnythingIsStoredOrSent(String currency) {
            ValidationException e = catchThrowableOfType(ValidationException.class,
                    () -> service.create(MERCHANT, newId(), command(100, currency, "tok_visa_4242", false)));

            assertThat(e).isNotNull();
            assertThat(e.errors()).singleElement().satisfies(err -> {
                assertThat(err.field()).isEqualTo("currency");
                assertThat(err.detail()).startsWith("is not accepted").contains("USD", "EUR", "JPY")
                        .doesNotContain(currency);
            });
            assertThat(store.all()).isEmpty();
            assertThat(fake().calls()).isEmpty();
        }

        @Test
        void create_aboveTheCurrencyMaximum_isRefused_butTheMaximumItselfIsAccepted() {
            ValidationException e = catchThrowableOfType(ValidationException.class,
                    () -> service.create(MERCHANT, newId(), command(1_000_001, "tok_visa_4242", false)));

            assertThat(e.errors()).containsExactly(new FieldError("amount", "exceeds the maximum 1000000 for USD"));
            assertThat(store.all()).isEmpty();
            assertThat(fake().calls()).isEmpty();
            assertThat(create(1_000_000, "tok_visa_4242", false).status()).isEqualTo(PaymentStatus.AUTHORIZED);
        }

        @Test
        void create_limitIsPerCurrency() {
            // 600000 is fine in USD, too much in EUR: the limit of the payment's own currency applies.
            assertThatCode(() -> service.create(MERCHANT, newId(), command(600_000, "USD", "tok_visa_4242", false)))
                    .doesNotThrowAnyException();
            assertThatThrownBy(() -> service.create(MERCHANT, newId(), command(600_000, "EUR", "tok_visa_4242", false)))
                    .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                            .extracting(FieldError::field).containsExactly("amount"));
            assertThat(service.create(MERCHANT, newId(), command(100_000_000, "JPY", "tok_visa_4242", false))
                    .money()).isEqualTo(Money.of(100_000_000, "JPY"));
        }

        @Test
        void create_resumingAPendingPayment_reusesTheAuthorizeKey_soTheCardIsChargedOnce() {
            // A retry that took over an abandoned idempotency claim calls create again with the same payment id.
            String id = newId();
            CreatePaymentCommand cmd = command(2_500, "tok_timeout_slow", false);
            assertThat(service.create(MERCHANT, id, cmd).status()).isEqualTo(PaymentStatus.PENDING);
            clock.advance(Duration.ofSeconds(61));

            Payment resumed = service.create(MERCHANT, id, cmd);

            assertThat(resumed.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(fake().calls(Kind.AUTHORIZE)).hasSize(2)
                    .extracting(InMemoryProcessor.Call::idempotencyKey).containsOnly(id + ":authorize");
            assertThat(fake().authorizations()).isEqualTo(1);
            assertThat(store.all()).hasSize(1);
        }

        @Test
        void create_resumed_recordsTheReSendBeforeSending_soTheGraceCountsFromIt() {
            String id = newId();
            store.create(Payment.newPending(id, MERCHANT, Money.of(2_500, "USD"), "tok_…4242", null, Map.of(), false,
                    clock.instant(), "us-east-1"));
            Instant resumedAt = clock.advance(Duration.ofSeconds(61));
            AtomicReference<Payment> seenBySend = new AtomicReference<>();
            processor.beforeAuthorize = request -> seenBySend.set(stored(id));

            service.create(MERCHANT, id, command(2_500, "tok_visa_4242", false));

            assertThat(seenBySend.get().pending().lastSentAt()).isEqualTo(resumedAt);
            assertThat(seenBySend.get().pending().sends()).isEqualTo(2);
        }

        @Test
        void create_forAnAlreadyDecidedPayment_returnsItWithoutCallingTheProcessorAgain() {
            String id = authorized(2_500);

            Payment again = service.create(MERCHANT, id, command(2_500, "tok_visa_4242", false));

            assertThat(again).isEqualTo(stored(id));
            assertThat(fake().authorizeCalls()).isEqualTo(1);
        }

        @Test
        void create_whoseFirstWriteCommittedButItsAnswerWasLost_continuesOnThatPayment() {
            store.commitThenConflictOnNextCreate = true;

            Payment p = create(2_500, "tok_visa_4242", false);

            assertThat(p.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(store.all()).hasSize(1);
            assertThat(fake().authorizations()).isEqualTo(1);
        }

        @Test
        void create_withAnotherMerchantsPaymentId_isNotFound_andCallsNothing() {
            String id = authorized(2_500);

            assertThatThrownBy(() -> service.create(OTHER_MERCHANT, id, command(2_500, "tok_visa_4242", false)))
                    .isInstanceOf(PaymentNotFoundException.class);
            assertThat(fake().authorizeCalls()).isEqualTo(1);
        }

        @Test
        void create_failingToRecordTheAnswer_isRetryable_andTheRetryRecordsIt() {
            // Money moved: losing every write race after the call must never look like "nothing happened".
            String id = newId();
            processor.beforeAuthorize = request -> store.conflictOnEveryUpdate = true;

            DependencyException e = catchThrowableOfType(DependencyException.class,
                    () -> service.create(MERCHANT, id, command(2_500, "tok_visa_4242", false)));

            assertThat(e).isNotNull();
            assertThat(e.retryable()).isTrue();
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.PENDING);
            store.conflictOnEveryUpdate = false;
            processor.beforeAuthorize = request -> { };

            assertThat(service.create(MERCHANT, id, command(2_500, "tok_visa_4242", false)).status())
                    .isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(fake().authorizations()).isEqualTo(1);
        }
    }

    // ---- capture ------------------------------------------------------------------------------------------------

    @Nested
    class Capture {
        @Test
        void capture_withoutAmount_capturesTheFullAuthorization() {
            String id = authorized(2_500);

            Payment p = service.capture(MERCHANT, id, "att_1", null);

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(2_500);
            assertThat(stored(id)).isEqualTo(p);
            assertThat(fake().calls(Kind.CAPTURE)).singleElement().satisfies(c -> {
                assertThat(c.amount()).isEqualTo(2_500);
                assertThat(c.idempotencyKey()).isEqualTo("att_1:capture");
            });
        }

        @Test
        void capture_partial_capturesOnlyThatAmount() {
            String id = authorized(2_500);

            Payment p = service.capture(MERCHANT, id, "att_1", 1_000L);

            assertThat(p.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(p.capturedAmount()).isEqualTo(1_000);
            assertThat(fake().calls(Kind.CAPTURE).getFirst().amount()).isEqualTo(1_000);
        }

        @Test
        void capture_rejectsAmountAboveAuthorized_withoutCallingTheProcessor() {
            String id = authorized(2_500);

            assertThatThrownBy(() -> service.capture(MERCHANT, id, "att_1", 2_501L))
                    .isInstanceOf(ValidationException.class);
            assertThat(fake().calls(Kind.CAPTURE)).isEmpty();
            assertThat(stored(id).pending()).isNull();
        }

        @Test
        void capture_withANewAttemptAfterASuccess_isAConflict_andMovesMoneyOnce() {
            String id = authorized(2_500);
            service.capture(MERCHANT, id, "att_1", 1_000L);

            assertThatThrownBy(() -> service.capture(MERCHANT, id, "att_2", 1_000L))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.CAPTURED));
            assertThat(fake().captures()).isEqualTo(1);
        }

        @Test
        void capture_retriedWithTheSameAttempt_answersItsRecordedOutcome_withoutAnotherCall() {
            String id = authorized(2_500);
            Payment first = service.capture(MERCHANT, id, "att_1", null);

            Payment again = service.capture(MERCHANT, id, "att_1", null);

            assertThat(again).isEqualTo(first);
            assertThat(fake().calls(Kind.CAPTURE)).hasSize(1);
        }

        @Test
        void capture_processorFailure_leavesThePaymentAuthorized_withAHistoryEntry() {
            String id = authorized(2_500);
            fake().failNextFollowUp(FollowUpFailure.ERROR);

            ProcessorRejectedException e = catchThrowableOfType(ProcessorRejectedException.class,
                    () -> service.capture(MERCHANT, id, "att_1", null));

            assertThat(e).isNotNull();
            assertThat(e.declined()).isFalse();
            assertThat(e.reason()).isEqualTo("processor_unavailable");
            Payment after = stored(id);
            assertThat(e.payment()).isEqualTo(after);
            assertThat(after.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(after.pending()).isNull();
            assertThat(after.capturedAmount()).isZero();
            assertThat(after.finishedAttempt("att_1").map(Attempt::outcome)).contains(Outcome.FAILED);
            assertThat(after.history().getLast()).isEqualTo(new Transition(PaymentStatus.AUTHORIZED,
                    PaymentStatus.AUTHORIZED, clock.instant(), "capture failed: processor_unavailable"));
            assertThat(fake().captures()).isZero();
        }

        @Test
        void capture_afterADecline_canBeRetriedWithANewAttempt_whichIsANewProcessorRequest() {
            String id = authorized(2_500);
            fake().failNextFollowUp(FollowUpFailure.DECLINE);
            ProcessorRejectedException declined = catchThrowableOfType(ProcessorRejectedException.class,
                    () -> service.capture(MERCHANT, id, "att_1", null));
            assertThat(declined.declined()).isTrue();
            assertThat(declined.reason()).isEqualTo("do_not_honor");

            // The same attempt again answers its recorded decline; it does not ask the processor a second time.
            assertThatThrownBy(() -> service.capture(MERCHANT, id, "att_1", null))
                    .isInstanceOfSatisfying(ProcessorRejectedException.class, e -> assertThat(e.declined()).isTrue());
            assertThat(fake().calls(Kind.CAPTURE)).hasSize(1);

            Payment retried = service.capture(MERCHANT, id, "att_2", null);

            // Had the retry reused the first key, the processor would have replayed the decline.
            assertThat(retried.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(fake().calls(Kind.CAPTURE)).extracting(InMemoryProcessor.Call::idempotencyKey)
                    .containsExactly("att_1:capture", "att_2:capture");
            assertThat(fake().captures()).isEqualTo(1);
        }

        @Test
        void capture_timeout_leavesThePendingCapture_andReadingThePaymentReconcilesIt() {
            String id = authorized(2_500);
            fake().failNextFollowUp(FollowUpFailure.TIMEOUT);

            Payment unknown = service.capture(MERCHANT, id, "att_1", null);

            assertThat(unknown.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(unknown.isPending("att_1")).isTrue();
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(stored(id).pending()).isNull();
            assertThat(fake().captures()).isEqualTo(1);
        }

        @Test
        void capture_resumedAfterALostAnswer_reSendsTheSameKey_andRecordsTheOutcome() {
            // History 6 of issue 11: a retry of the request (same attempt) must resume, not fail with "in progress".
            String id = authorized(2_500);
            fake().failNextFollowUp(FollowUpFailure.TIMEOUT);
            service.capture(MERCHANT, id, "att_1", null);
            Instant retryAt = clock.advance(Duration.ofSeconds(5));

            Payment resumed = service.capture(MERCHANT, id, "att_1", null);

            assertThat(resumed.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(resumed.finishedAttempt("att_1").map(Attempt::at)).contains(retryAt);
            assertThat(fake().calls(Kind.CAPTURE)).hasSize(2)
                    .extracting(InMemoryProcessor.Call::idempotencyKey).containsOnly("att_1:capture");
            assertThat(fake().captures()).isEqualTo(1);
        }

        @Test
        void capture_whileAnotherAttemptIsPending_isRefusedAsInProgress() {
            String id = authorized(2_500);
            fake().failNextFollowUp(FollowUpFailure.TIMEOUT);
            service.capture(MERCHANT, id, "att_1", null);

            assertThatThrownBy(() -> service.capture(MERCHANT, id, "att_2", null))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.OPERATION_IN_PROGRESS));
            assertThat(fake().calls(Kind.CAPTURE)).hasSize(1);
        }

        @Test
        void capture_ofACanceledPayment_isAConflict() {
            String id = authorized(2_500);
            service.cancel(MERCHANT, id, "att_c");

            assertThatThrownBy(() -> service.capture(MERCHANT, id, "att_1", null))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.CANCELED));
            assertThat(fake().calls(Kind.CAPTURE)).isEmpty();
        }
    }

    // ---- cancel -------------------------------------------------------------------------------------------------

    @Nested
    class Cancel {
        @Test
        void cancel_voidsTheAuthorization() {
            String id = authorized(2_500);

            Payment p = service.cancel(MERCHANT, id, "att_1");

            assertThat(p.status()).isEqualTo(PaymentStatus.CANCELED);
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.CANCELED);
            assertThat(fake().voids()).isEqualTo(1);
            assertThat(fake().calls(Kind.VOID)).extracting(InMemoryProcessor.Call::idempotencyKey)
                    .containsExactly("att_1:cancel");
        }

        @Test
        void cancel_processorFailure_leavesThePaymentAuthorized() {
            String id = authorized(2_500);
            fake().failNextFollowUp(FollowUpFailure.ERROR);

            assertThatThrownBy(() -> service.cancel(MERCHANT, id, "att_1"))
                    .isInstanceOf(ProcessorRejectedException.class);
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(stored(id).pending()).isNull();
            assertThat(fake().voids()).isZero();
        }

        @Test
        void cancel_resumedAfterALostAnswer_voidsOnce() {
            String id = authorized(2_500);
            fake().failNextFollowUp(FollowUpFailure.TIMEOUT);
            assertThat(service.cancel(MERCHANT, id, "att_1").isPending("att_1")).isTrue();

            Payment resumed = service.cancel(MERCHANT, id, "att_1");

            assertThat(resumed.status()).isEqualTo(PaymentStatus.CANCELED);
            assertThat(fake().calls(Kind.VOID)).hasSize(2);
            assertThat(fake().voids()).isEqualTo(1);
        }

        @Test
        void cancel_ofACapturedPayment_isAConflict() {
            String id = captured(2_500);

            assertThatThrownBy(() -> service.cancel(MERCHANT, id, "att_1"))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.currentStatus()).isEqualTo(PaymentStatus.CAPTURED));
            assertThat(fake().calls(Kind.VOID)).isEmpty();
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
            assertThat(fake().refundedAmount()).isEqualTo(3_000);
        }

        @Test
        void refund_ofTheRest_makesThePaymentRefunded() {
            String id = captured(10_000);
            service.refund(MERCHANT, id, "re_1", 3_000);

            PaymentService.RefundOutcome outcome = service.refund(MERCHANT, id, "re_2", 7_000);

            assertThat(outcome.payment().status()).isEqualTo(PaymentStatus.REFUNDED);
            assertThat(fake().refundedAmount()).isEqualTo(10_000);
        }

        @Test
        void refund_aboveWhatIsLeft_isRejected_beforeTheProcessorIsCalled() {
            String id = captured(10_000);
            service.refund(MERCHANT, id, "re_1", 6_000);

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_2", 4_001))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.EXCEEDS_REFUNDABLE));
            assertThat(fake().calls(Kind.REFUND)).hasSize(1);
            assertThat(stored(id).refunds()).hasSize(1);
        }

        @Test
        void refund_ofAPartialCapture_isLimitedToTheCapturedAmount() {
            String id = authorized(10_000);
            service.capture(MERCHANT, id, "att_1", 4_000L);

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", 4_001))
                    .isInstanceOf(InvalidStateTransitionException.class);
            assertThat(service.refund(MERCHANT, id, "re_2", 4_000).payment().status())
                    .isEqualTo(PaymentStatus.REFUNDED);
        }

        @Test
        void refund_ofAnUncapturedPayment_isAConflict() {
            String id = authorized(10_000);

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", 1_000))
                    .isInstanceOfSatisfying(InvalidStateTransitionException.class, e -> {
                        assertThat(e.currentStatus()).isEqualTo(PaymentStatus.AUTHORIZED);
                        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED_IN_STATUS);
                    });
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
            fake().failNextFollowUp(FollowUpFailure.DECLINE);

            ProcessorRejectedException e = catchThrowableOfType(ProcessorRejectedException.class,
                    () -> service.refund(MERCHANT, id, "re_1", 4_000));

            assertThat(e.declined()).isTrue();
            Payment after = stored(id);
            assertThat(after.refund("re_1").status()).isEqualTo(RefundStatus.FAILED);
            assertThat(after.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(after.refundableAmount()).isEqualTo(10_000);
            assertThat(fake().refundedAmount()).isZero();
        }

        @Test
        void refund_processorError_isAFailureNotADecline() {
            String id = captured(10_000);
            fake().failNextFollowUp(FollowUpFailure.ERROR);

            ProcessorRejectedException e = catchThrowableOfType(ProcessorRejectedException.class,
                    () -> service.refund(MERCHANT, id, "re_1", 4_000));

            assertThat(e.declined()).isFalse();
            assertThat(stored(id).refund("re_1").failureReason()).isEqualTo("failed: processor_unavailable");
        }

        @Test
        void refund_repeatedWithTheSameRefundId_returnsTheFirstRefund_withoutRefundingAgain() {
            String id = captured(10_000);
            PaymentService.RefundOutcome first = service.refund(MERCHANT, id, "re_1", 3_000);

            PaymentService.RefundOutcome again = service.refund(MERCHANT, id, "re_1", 3_000);

            assertThat(again.refund()).isEqualTo(first.refund());
            assertThat(fake().calls(Kind.REFUND)).hasSize(1);
            assertThat(stored(id).refundedAmount()).isEqualTo(3_000);
        }

        @Test
        void refund_repeatedAfterItFailed_answersTheFailureAgain_neverASuccess() {
            // History 6 of issue 11: a resumed refund that finds its refund FAILED must not answer 201.
            String id = captured(10_000);
            fake().failNextFollowUp(FollowUpFailure.DECLINE);
            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", 3_000))
                    .isInstanceOf(ProcessorRejectedException.class);

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", 3_000))
                    .isInstanceOfSatisfying(ProcessorRejectedException.class, e -> assertThat(e.declined()).isTrue());
            assertThat(fake().calls(Kind.REFUND)).hasSize(1);
        }

        @Test
        void refund_retriedAfterALostAnswer_reusesTheRefundKey_soMoneyMovesOnce() {
            String id = captured(10_000);
            fake().failNextFollowUp(FollowUpFailure.TIMEOUT);
            PaymentService.RefundOutcome lost = service.refund(MERCHANT, id, "re_1", 3_000);
            assertThat(lost.refund().status()).isEqualTo(RefundStatus.PENDING);
            // While pending, the refund holds its amount.
            assertThat(lost.payment().refundableAmount()).isEqualTo(7_000);

            PaymentService.RefundOutcome resumed = service.refund(MERCHANT, id, "re_1", 3_000);

            assertThat(resumed.refund().status()).isEqualTo(RefundStatus.SUCCEEDED);
            assertThat(resumed.refund().sends()).isEqualTo(2);
            assertThat(fake().calls(Kind.REFUND)).hasSize(2)
                    .extracting(InMemoryProcessor.Call::idempotencyKey).containsOnly("re_1:refund");
            assertThat(fake().refunds()).isEqualTo(1);
            assertThat(fake().refundedAmount()).isEqualTo(3_000);
        }

        @Test
        void refund_whoseHoldingWriteCommittedButItsAnswerWasLost_isNotAppliedTwice() {
            // History 5 of issue 11: beginRefund commits, the answer is lost, the version check then fails and the
            // write is tried again on a fresh read. The refund must be recognised, not added a second time.
            String id = captured(10_000);
            store.commitThenConflictOnNextUpdate = true;

            PaymentService.RefundOutcome outcome = service.refund(MERCHANT, id, "re_1", 3_000);

            assertThat(outcome.payment().refunds()).hasSize(1);
            assertThat(outcome.payment().refundedAmount()).isEqualTo(3_000);
            assertThat(fake().refunds()).isEqualTo(1);
        }

        @Test
        void refund_failingToRecordTheAnswer_isRetryable_neverAConflictThatFreesTheKey() {
            // History 3 of issue 11: after the processor refunded, losing every write race is a 503 (claim kept),
            // and the client's retry with the same refund id resumes it instead of refunding a second time.
            String id = captured(10_000);
            processor.beforeFollowUp = () -> store.conflictOnEveryUpdate = true;

            DependencyException e = catchThrowableOfType(DependencyException.class,
                    () -> service.refund(MERCHANT, id, "re_1", 3_000));

            assertThat(e).isNotNull();
            assertThat(e.retryable()).isTrue();
            assertThat(stored(id).refund("re_1").status()).isEqualTo(RefundStatus.PENDING);
            store.conflictOnEveryUpdate = false;
            processor.beforeFollowUp = () -> { };

            PaymentService.RefundOutcome resumed = service.refund(MERCHANT, id, "re_1", 3_000);

            assertThat(resumed.refund().status()).isEqualTo(RefundStatus.SUCCEEDED);
            assertThat(fake().refunds()).isEqualTo(1);
            assertThat(fake().refundedAmount()).isEqualTo(3_000);
        }

        @Test
        void refund_losingEveryRaceBeforeTheCall_isAConflict_andNothingWasSent() {
            String id = captured(10_000);
            store.conflictOnEveryUpdate = true;

            assertThatThrownBy(() -> service.refund(MERCHANT, id, "re_1", 3_000))
                    .isInstanceOf(ConcurrentUpdateException.class);
            assertThat(fake().calls(Kind.REFUND)).isEmpty();
        }

        @Test
        void pendingRefund_isResolvedWhenThePaymentIsRead() {
            String id = captured(10_000);
            fake().failNextFollowUp(FollowUpFailure.TIMEOUT);
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
        int callsBefore = fake().calls().size();

        assertThatThrownBy(() -> service.get(OTHER_MERCHANT, id)).isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.capture(OTHER_MERCHANT, id, "att_1", null))
                .isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.cancel(OTHER_MERCHANT, id, "att_2"))
                .isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.refund(OTHER_MERCHANT, id, "re_1", 1_000))
                .isInstanceOf(PaymentNotFoundException.class);
        assertThat(service.list(OTHER_MERCHANT, 10, null).items()).isEmpty();

        assertThat(stored(id)).isEqualTo(before);
        assertThat(fake().calls()).hasSize(callsBefore);
    }

    @Test
    void unknownPaymentId_isNotFound() {
        assertThatThrownBy(() -> service.get(MERCHANT, "pay_missing")).isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.capture(MERCHANT, "pay_missing", "att_1", null))
                .isInstanceOf(PaymentNotFoundException.class);
        assertThatThrownBy(() -> service.refund(MERCHANT, "pay_missing", "re_1", 1))
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
            assertThat(read.pending()).isNull();
            assertThat(read.processorReference()).isNotBlank();
            assertThat(stored(id)).isEqualTo(read);
            assertThat(fake().calls(Kind.LOOKUP)).extracting(InMemoryProcessor.Call::idempotencyKey)
                    .containsExactly(id + ":authorize");
            assertThat(fake().authorizations()).isEqualTo(1);
        }

        @Test
        void get_inARegionThatMustNotWrite_returnsTheStoredStateWithoutAskingTheProcessor() {
            String id = create(2_500, "tok_timeout_slow", false).id();

            Payment read = service.get(MERCHANT, id, false);

            assertThat(read.status()).isEqualTo(PaymentStatus.PENDING);
            assertThat(fake().calls(Kind.LOOKUP)).isEmpty();
            assertThat(stored(id)).isEqualTo(read);
        }

        @Test
        void get_keepsAnAuthorizationUnknownToTheProcessorPending_untilTheGracePeriodHasPassed_thenFailsIt() {
            // The function died after writing PENDING and before calling the processor.
            String id = newId();
            store.create(Payment.newPending(id, MERCHANT, Money.of(2_500, "USD"), "tok_…4242", null, Map.of(), false,
                    clock.instant(), "us-east-1"));

            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.PENDING);
            // "Not found" may only mean "not arrived yet" until the grace period is over, boundary included.
            clock.advance(PaymentService.RECONCILE_GRACE);
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.PENDING);

            clock.advance(Duration.ofSeconds(1));
            Payment read = service.get(MERCHANT, id);

            assertThat(read.status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(read.failureReason()).isEqualTo(Payment.NEVER_ARRIVED);
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(fake().authorizations()).isZero();
        }

        @Test
        void aResumedAuthorization_isNeverFailedByAReadThatSawTheEarlierSend() {
            // History 1 of issue 11: a create claims its key, writes PENDING and dies. 61 s later the retry re-sends
            // the authorization; at that moment a GET, which read the payment before the re-send, finds nothing at
            // the processor. The grace counts from the last send and the decision is for the send it saw: nothing.
            String id = newId();
            store.create(Payment.newPending(id, MERCHANT, Money.of(2_500, "USD"), "tok_…4242", null, Map.of(), false,
                    clock.instant(), "us-east-1"));
            clock.advance(Duration.ofSeconds(61));
            Payment readByTheGet = stored(id);
            AtomicReference<Payment> duringTheCall = new AtomicReference<>();
            processor.beforeAuthorize = request -> duringTheCall.set(service.reconcile(readByTheGet, 2));

            Payment created = service.create(MERCHANT, id, command(2_500, "tok_visa_4242", false));

            assertThat(duringTheCall.get().status()).isEqualTo(PaymentStatus.PENDING);
            assertThat(created.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(fake().authorizations()).isEqualTo(1);
        }

        @Test
        void aStaleReadsNotFoundForAnOlderCapture_neverClearsTheNewerOne() {
            // History 2 of issue 11: two GETs read the payment while capture att_1 was pending (it never reached
            // the processor). One fails att_1; the merchant captures again as att_2; the other GET's late
            // "not found" for att_1 arrives while att_2 is in flight. att_2's approval must still be recorded.
            String id = authorized(2_500);
            Payment authorized = stored(id);
            store.update(authorized.beginCapture("att_1", 2_500, clock.instant()), authorized.version());
            clock.advance(PaymentService.RECONCILE_GRACE.plusSeconds(1));
            Payment staleView = stored(id);
            assertThat(service.reconcile(staleView, 2).finishedAttempt("att_1").map(Attempt::outcome))
                    .contains(Outcome.FAILED);
            processor.beforeFollowUp = () -> service.reconcile(staleView, 2);

            Payment captured = service.capture(MERCHANT, id, "att_2", null);

            assertThat(captured.status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(stored(id).capturedAmount()).isEqualTo(2_500);
            assertThat(fake().captures()).isEqualTo(1);
        }

        @Test
        void aLateContradictingOutcome_isLoggedAsAnAlarm_andTheReaderGetsTheRecordedState() {
            // The processor recorded a call we concluded never arrived (it broke the grace assumption): the records
            // disagree. The reader is not failed for it and nothing is overwritten; an operator must look.
            String id = newId();
            store.create(Payment.newPending(id, MERCHANT, Money.of(2_500, "USD"), "tok_…4242", null, Map.of(), false,
                    clock.instant(), "us-east-1"));
            clock.advance(PaymentService.RECONCILE_GRACE.plusSeconds(1));
            Payment staleView = stored(id);
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.FAILED);
            fake().authorize(new PaymentProcessor.AuthorizeRequest(id, 2_500, "USD", "tok_visa_4242", false,
                    id + ":authorize"));

            Payment read = service.reconcile(staleView, 2);

            assertThat(read.status()).isEqualTo(PaymentStatus.FAILED);
            assertThat(stored(id).status()).isEqualTo(PaymentStatus.FAILED);
        }

        @Test
        void get_neverFailsAPendingPayment_whileTheProcessorCannotBeAsked() {
            String id = create(2_500, "tok_timeout_slow", false).id();
            fake().lookupsUnavailable(true);
            clock.advance(Duration.ofMinutes(10));

            // The charge exists at the processor: only a definite answer may move the payment out of PENDING.
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.PENDING);

            fake().lookupsUnavailable(false);
            assertThat(service.get(MERCHANT, id).status()).isEqualTo(PaymentStatus.AUTHORIZED);
        }

        @Test
        void get_releasesACaptureThatNeverReachedTheProcessor_afterTheGracePeriod() {
            String id = authorized(2_500);
            Payment current = stored(id);
            store.update(current.beginCapture("att_lost", 2_500, clock.instant()), current.version());

            assertThat(service.get(MERCHANT, id).pending().operation()).isEqualTo(Operation.CAPTURE);
            clock.advance(PaymentService.RECONCILE_GRACE.plusSeconds(1));
            Payment read = service.get(MERCHANT, id);

            assertThat(read.status()).isEqualTo(PaymentStatus.AUTHORIZED);
            assertThat(read.pending()).isNull();
            assertThat(read.finishedAttempt("att_lost").map(Attempt::reason)).contains(Payment.NEVER_ARRIVED);
            assertThat(service.capture(MERCHANT, id, "att_2", null).status()).isEqualTo(PaymentStatus.CAPTURED);
            assertThat(fake().captures()).isEqualTo(1);
        }

        @Test
        void get_looksUpABoundedNumberOfPendingRefunds() {
            // History 8 of issue 11: a GET must not make one lookup of seconds per pending refund.
            String id = captured(10_000);
            for (int i = 0; i < PaymentService.REFUND_LOOKUPS_PER_GET + 2; i++) {
                fake().failNextFollowUp(FollowUpFailure.TIMEOUT);
                service.refund(MERCHANT, id, "re_" + i, 100);
            }

            Payment read = service.get(MERCHANT, id);

            assertThat(fake().calls(Kind.LOOKUP)).hasSize(PaymentService.REFUND_LOOKUPS_PER_GET);
            assertThat(read.refunds()).filteredOn(r -> r.status() == RefundStatus.SUCCEEDED)
                    .hasSize(PaymentService.REFUND_LOOKUPS_PER_GET);
            assertThat(read.hasPendingCalls()).isTrue();
            // The background reconciler has no such bound.
            assertThat(service.reconcile(read, Integer.MAX_VALUE).hasPendingCalls()).isFalse();
        }

        @Test
        void get_ofAnIdlePayment_doesNotAskTheProcessor() {
            String id = captured(2_500);

            service.get(MERCHANT, id);

            assertThat(fake().calls(Kind.LOOKUP)).isEmpty();
        }
    }

    // ---- concurrency --------------------------------------------------------------------------------------------

    @RepeatedTest(3)
    void concurrentRefunds_neverExceedTheCapturedAmount() throws Exception {
        PaymentService realBackoff = new PaymentService(store, processor, () -> CONFIG, clock, "us-east-1");
        String id = captured(100);

        List<Result<PaymentService.RefundOutcome>> results = runConcurrently(20,
                i -> realBackoff.refund(MERCHANT, id, "re_" + i, 10));

        List<Throwable> failures = results.stream().filter(r -> r.error() != null).map(Result::error).toList();
        assertThat(results.stream().filter(r -> r.value() != null)).hasSize(10);
        // Losers must be told "nothing left to refund", not a retry-exhausted conflict while money was still left.
        assertThat(failures).hasSize(10).allSatisfy(t -> assertThat(t).isInstanceOf(InvalidStateTransitionException.class));
        Payment after = stored(id);
        assertThat(after.refundedAmount()).isEqualTo(100);
        assertThat(after.status()).isEqualTo(PaymentStatus.REFUNDED);
        assertThat(after.refunds()).hasSize(10);
        assertThat(fake().refunds()).isEqualTo(10);
        assertThat(fake().refundedAmount()).isEqualTo(100);
    }

    @RepeatedTest(3)
    void concurrentCaptures_sendExactlyOneCaptureToTheProcessor() throws Exception {
        PaymentService realBackoff = new PaymentService(store, processor, () -> CONFIG, clock, "us-east-1");
        String id = authorized(1_000);

        List<Result<Payment>> results = runConcurrently(10, i -> realBackoff.capture(MERCHANT, id, "att_" + i, null));

        assertThat(results.stream().filter(r -> r.value() != null)).hasSize(1);
        assertThat(results.stream().filter(r -> r.error() != null).map(Result::error))
                .hasSize(9).allSatisfy(t -> assertThat(t).isInstanceOf(InvalidStateTransitionException.class));
        assertThat(fake().calls(Kind.CAPTURE)).hasSize(1);
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

    // ---- fault injection ----------------------------------------------------------------------------------------

    /**
     * The in-memory store with the faults a real table has: a conditional write that loses every race, and a
     * write that commits but whose answer is lost (the SDK retries it, and the retry's version check fails).
     */
    static final class FaultyStore implements PaymentStore {
        private final InMemoryPaymentStore delegate;
        volatile boolean conflictOnEveryUpdate;
        volatile boolean commitThenConflictOnNextUpdate;
        volatile boolean commitThenConflictOnNextCreate;

        FaultyStore(InMemoryPaymentStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void create(Payment payment) {
            delegate.create(payment);
            if (commitThenConflictOnNextCreate) {
                commitThenConflictOnNextCreate = false;
                throw new ConcurrentUpdateException(payment.id());
            }
        }

        @Override
        public Optional<Payment> find(String paymentId) {
            return delegate.find(paymentId);
        }

        @Override
        public void update(Payment payment, long expectedVersion) {
            if (conflictOnEveryUpdate) {
                throw new ConcurrentUpdateException(payment.id());
            }
            delegate.update(payment, expectedVersion);
            if (commitThenConflictOnNextUpdate) {
                commitThenConflictOnNextUpdate = false;
                throw new ConcurrentUpdateException(payment.id());
            }
        }

        @Override
        public Page list(String merchantId, int limit, String cursor) {
            return delegate.list(merchantId, limit, cursor);
        }

        @Override
        public List<String> duePending(Instant now, int limit) {
            return delegate.duePending(now, limit);
        }

        @Override
        public void deferReconciliation(String paymentId, long version, Instant notBefore) {
            delegate.deferReconciliation(paymentId, version, notBefore);
        }

        List<Payment> all() {
            return delegate.all();
        }
    }

    /** The fake processor with a hook that runs while a call is on its way, to interleave other requests there. */
    static final class HookedProcessor implements PaymentProcessor {
        final FakeProcessor fake;
        volatile java.util.function.Consumer<AuthorizeRequest> beforeAuthorize = request -> { };
        volatile Runnable beforeFollowUp = () -> { };

        HookedProcessor(FakeProcessor fake) {
            this.fake = fake;
        }

        @Override
        public Result authorize(AuthorizeRequest request) {
            beforeAuthorize.accept(request);
            return fake.authorize(request);
        }

        @Override
        public Result capture(String reference, long amount, String currency, String key) {
            beforeFollowUp.run();
            return fake.capture(reference, amount, currency, key);
        }

        @Override
        public Result voidAuthorization(String reference, String key) {
            beforeFollowUp.run();
            return fake.voidAuthorization(reference, key);
        }

        @Override
        public Result refund(String reference, long amount, String currency, String key) {
            beforeFollowUp.run();
            return fake.refund(reference, amount, currency, key);
        }

        @Override
        public Result lookup(String key) {
            return fake.lookup(key);
        }
    }
}
