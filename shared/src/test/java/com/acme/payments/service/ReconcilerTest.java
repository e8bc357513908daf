package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.Money;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.port.PaymentStore;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.processordouble.InMemoryProcessor.Kind;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The background reconciler: no payment depends on a GET to settle (history 8 of issue 11). */
class ReconcilerTest {
    private static final String MERCHANT = "merchant_a";
    private static final AppConfig CONFIG = new AppConfig(URI.create("https://processor.example"), "secret-key",
            Duration.ofSeconds(3), Map.of("USD", 1_000_000L), Map.of());

    private final MutableClock clock = new MutableClock();
    private final InMemoryPaymentStore store = new InMemoryPaymentStore();
    private final FakeProcessor processor = new FakeProcessor();
    private final PaymentService service = new PaymentService(store, processor, () -> CONFIG, clock, "us-east-1",
            attempt -> { });
    private final Reconciler reconciler = new Reconciler(store, service, clock);

    private Payment create(String id, String token, boolean capture) {
        return service.create(MERCHANT, id, CreatePaymentCommand.of(2_500L, "USD", token, null, Map.of(), capture));
    }

    @Test
    void settlesAnAuthorizationWhoseAnswerWasLost_onceItIsOldEnough() {
        create("pay_1", "tok_timeout_slow", false);

        assertThat(reconciler.run(10)).isEqualTo(new Reconciler.Report(0, 0, 0, 0));
        assertThat(processor.calls(Kind.LOOKUP)).isEmpty();

        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));
        assertThat(reconciler.run(10)).isEqualTo(new Reconciler.Report(1, 1, 0, 0));

        assertThat(store.find("pay_1").orElseThrow().status()).isEqualTo(PaymentStatus.AUTHORIZED);
        assertThat(store.duePending(clock.instant(), 10)).isEmpty();
    }

    @Test
    void settlesMorePendingRefundsThanARead_andTheRestOfAVeryBusyPaymentOnTheNextRun() {
        create("pay_1", "tok_visa_4242", true);
        int refunds = Reconciler.REFUND_LOOKUPS_PER_PAYMENT + 2;
        for (int i = 0; i < refunds; i++) {
            processor.failNextFollowUp(FollowUpFailure.TIMEOUT);
            service.refund(MERCHANT, "pay_1", "re_" + i, 100);
        }
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));

        // More than a GET would look up, but bounded per payment so one payment cannot starve the others.
        assertThat(reconciler.run(10)).isEqualTo(new Reconciler.Report(1, 0, 1, 0));
        assertThat(processor.calls(Kind.LOOKUP)).hasSize(Reconciler.REFUND_LOOKUPS_PER_PAYMENT);
        assertThat(Reconciler.REFUND_LOOKUPS_PER_PAYMENT).isGreaterThan(PaymentService.REFUND_LOOKUPS_PER_GET);

        assertThat(reconciler.run(10)).isEqualTo(new Reconciler.Report(1, 1, 0, 0));
        Payment settled = store.find("pay_1").orElseThrow();
        assertThat(settled.refunds()).hasSize(refunds)
                .allSatisfy(r -> assertThat(r.status()).isEqualTo(RefundStatus.SUCCEEDED));
        assertThat(settled.refundedAmount()).isEqualTo(processor.refundedAmount());
    }

    @Test
    void startsNoPaymentAfterItsDeadline_andCountsTheRestAsStillPending() {
        create("pay_1", "tok_timeout_slow", false);
        create("pay_2", "tok_timeout_slow", false);
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));

        assertThat(reconciler.run(10, clock.instant().minusMillis(1))).isEqualTo(new Reconciler.Report(2, 0, 2, 0));
        assertThat(processor.calls(Kind.LOOKUP)).isEmpty();
        assertThat(reconciler.run(10, clock.instant())).isEqualTo(new Reconciler.Report(2, 2, 0, 0));
    }

    @Test
    void aCallTheProcessorNeverSaw_staysPendingUntilTheGrace_thenFails() {
        store.create(Payment.newPending("pay_1", MERCHANT, Money.of(2_500, "USD"), "tok_…4242", null, Map.of(), false,
                clock.instant(), "us-east-1"));

        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));
        assertThat(reconciler.run(10)).isEqualTo(new Reconciler.Report(1, 0, 1, 0));

        clock.advance(PaymentService.RECONCILE_GRACE);
        assertThat(reconciler.run(10)).isEqualTo(new Reconciler.Report(1, 1, 0, 0));
        assertThat(store.find("pay_1").orElseThrow().status()).isEqualTo(PaymentStatus.FAILED);
    }

    @Test
    void worksThroughABoundedBatch_oldestFirst() {
        create("pay_old", "tok_timeout_slow", false);
        clock.advance(Duration.ofSeconds(1));
        create("pay_new", "tok_timeout_slow", false);
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));

        assertThat(reconciler.run(1)).isEqualTo(new Reconciler.Report(1, 1, 0, 0));
        assertThat(store.find("pay_old").orElseThrow().status()).isEqualTo(PaymentStatus.AUTHORIZED);
        assertThat(store.find("pay_new").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);

        assertThat(reconciler.run(1).settled()).isEqualTo(1);
        assertThat(store.find("pay_new").orElseThrow().status()).isEqualTo(PaymentStatus.AUTHORIZED);
    }

    @Test
    void aPaymentWhoseLookupsSettleNothing_isDeferred_soItDoesNotStarveThePaymentsBehindIt() {
        // Sent, but not (yet) at the processor: every look within the grace is inconclusive.
        store.create(Payment.newPending("pay_stuck", MERCHANT, Money.of(2_500, "USD"), "tok_…4242", null, Map.of(),
                false, clock.instant(), "us-east-1"));
        clock.advance(Duration.ofSeconds(1));
        create("pay_behind", "tok_timeout_slow", false);
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));

        assertThat(reconciler.run(1)).isEqualTo(new Reconciler.Report(1, 0, 1, 0));
        assertThat(store.duePending(clock.instant(), 10)).containsExactly("pay_behind");
        assertThat(reconciler.run(1)).isEqualTo(new Reconciler.Report(1, 1, 0, 0));
        assertThat(store.find("pay_behind").orElseThrow().status()).isEqualTo(PaymentStatus.AUTHORIZED);

        clock.advance(Reconciler.MIN_BACKOFF);
        assertThat(store.duePending(clock.instant(), 10)).containsExactly("pay_stuck");
    }

    @Test
    void aWriteToADeferredPayment_makesItDueAgain() {
        Payment stuck = Payment.newPending("pay_stuck", MERCHANT, Money.of(2_500, "USD"), "tok_…4242", null,
                Map.of(), false, clock.instant(), "us-east-1");
        store.create(stuck);
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));
        reconciler.run(10);
        assertThat(store.duePending(clock.instant(), 10)).isEmpty();

        // A client retry re-sends the call (any write does): the new version carries its own due time.
        store.update(stuck.resend(stuck.id(), clock.instant().minusSeconds(20)), stuck.version());

        assertThat(store.duePending(clock.instant(), 10)).containsExactly("pay_stuck");
    }

    @Test
    void backoff_isAQuarterOfTheCallsAge_between30SecondsAnd15Minutes() {
        assertThat(Reconciler.backoff(Duration.ofSeconds(11))).isEqualTo(Duration.ofSeconds(30));
        assertThat(Reconciler.backoff(Duration.ofMinutes(8))).isEqualTo(Duration.ofMinutes(2));
        assertThat(Reconciler.backoff(Duration.ofHours(5))).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void onePaymentsFailure_doesNotStopTheOthers() {
        create("pay_1", "tok_timeout_slow", false);
        create("pay_2", "tok_timeout_slow", false);
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));
        PaymentStore failingForOne = new DelegatingStore(store) {
            @Override
            public Optional<Payment> find(String paymentId) {
                if (paymentId.equals("pay_1")) {
                    throw new DependencyException("DynamoDB failed to read", true, null);
                }
                return super.find(paymentId);
            }
        };

        Reconciler.Report report = new Reconciler(failingForOne, service, clock).run(10);

        assertThat(report).isEqualTo(new Reconciler.Report(2, 1, 0, 1));
        assertThat(store.find("pay_2").orElseThrow().status()).isEqualTo(PaymentStatus.AUTHORIZED);
    }

    /** A store to override one method of. */
    private static class DelegatingStore implements PaymentStore {
        private final PaymentStore delegate;

        DelegatingStore(PaymentStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void create(Payment payment) {
            delegate.create(payment);
        }

        @Override
        public Optional<Payment> find(String paymentId) {
            return delegate.find(paymentId);
        }

        @Override
        public void update(Payment payment, long expectedVersion) {
            delegate.update(payment, expectedVersion);
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
    }
}
