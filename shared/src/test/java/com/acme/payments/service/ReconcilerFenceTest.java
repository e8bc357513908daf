package com.acme.payments.service;

import com.acme.payments.domain.Payment;
import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.processordouble.InMemoryProcessor.Kind;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The background reconciler writes, so it obeys the write fence (issue 12). */
class ReconcilerFenceTest {
    private static final AppConfig CONFIG = new AppConfig(URI.create("https://processor.example"), "secret-key",
            Duration.ofSeconds(3), Map.of("USD", 1_000_000L), Map.of());
    private final MutableClock clock = new MutableClock();
    private final InMemoryPaymentStore store = new InMemoryPaymentStore();
    private final FakeProcessor processor = new FakeProcessor();
    private final PaymentService service = new PaymentService(store, processor, () -> CONFIG, clock, "us-east-1",
            attempt -> { });

    private void pendingAuthorizations(int n) {
        for (int i = 1; i <= n; i++) {
            service.create("m", "pay_" + i, CreatePaymentCommand.of(2_500L, "USD", "tok_timeout_slow", null, Map.of(),
                    false));
        }
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));
    }

    @Test
    void inARegionThatDoesNotTakeWrites_aRunSettlesNothing_andAsksTheProcessorNothing() {
        pendingAuthorizations(2);
        Reconciler standby = new Reconciler(store, service, clock, () -> false);

        assertThat(standby.run(10)).isEqualTo(new Reconciler.Report(0, 0, 0, 0));
        assertThat(processor.calls(Kind.LOOKUP)).isEmpty();
        assertThat(store.find("pay_1").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
    }

    @Test
    void aFailoverDuringARun_stopsItBeforeTheNextPayment() {
        pendingAuthorizations(3);
        AtomicBoolean active = new AtomicBoolean(true);
        AtomicInteger asked = new AtomicInteger();
        Reconciler reconciler = new Reconciler(store, service, clock, () -> {
            // Active for the check at the start, the first payment and its lookup; fenced from then on.
            boolean answer = active.get();
            if (asked.incrementAndGet() == 3) {
                active.set(false);
            }
            return answer;
        });

        Reconciler.Report report = reconciler.run(10);

        assertThat(report.settled()).isEqualTo(1);
        assertThat(report.stillPending()).isEqualTo(2);
        assertThat(processor.calls(Kind.LOOKUP)).hasSize(1);
    }
}
