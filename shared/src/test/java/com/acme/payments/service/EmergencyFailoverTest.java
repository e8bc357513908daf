package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Found in review of issue 12: after an emergency failover, the new region decided "the processor never saw it"
 * from the last send IT knew of. A re-send made by the lost region within its last replication lag is not among
 * them, so the 60 s grace (PaymentService.RECONCILE_GRACE, the processor's recording contract) was measured from an
 * older send and a charged payment was recorded FAILED. The grace now also counts from the moment the region became
 * the writer (the active-region record's changedAt, {@link WriteFence#writerSince()}).
 */
class EmergencyFailoverTest {
    private static final AppConfig CONFIG = new AppConfig(URI.create("https://processor.example"), "secret-key",
            Duration.ofSeconds(3), Map.of("USD", 1_000_000L), Map.of());

    private final MutableClock clock = new MutableClock();
    private final FakeProcessor processor = new FakeProcessor();
    /** The network between a region and the processor: it can lose a call, or hold one that arrives later. */
    private final Network network = new Network(processor);
    private final InMemoryPaymentStore east1 = new InMemoryPaymentStore();
    private final InMemoryPaymentStore east2 = new InMemoryPaymentStore();
    private final PaymentService inEast1 = new PaymentService(east1, network, () -> CONFIG, clock, "us-east-1",
            attempt -> { });
    /** The emergency failover promotes us-east-2 at t = 60 s (the active-region record's changedAt). */
    private final Instant promotedAt = clock.instant().plusSeconds(60);
    private final PaymentService inEast2 = new PaymentService(east2, network, () -> CONFIG, clock, "us-east-2",
            attempt -> { }, () -> clock.instant().isBefore(promotedAt) ? Instant.MAX : promotedAt);

    @Test
    void aReSendLostWithTheOldRegion_isNotConcludedNeverSentInTheNewRegion() {
        CreatePaymentCommand command = CreatePaymentCommand.of(2_500L, "USD", "tok_visa_4242", null, Map.of(), true);
        // t = 0, us-east-1 (active): the first send is lost on its way; 202, the claim stays open.
        network.loseNext = true;
        Payment first = inEast1.create("m", "pay_1", command);
        assertThat(first.status()).isEqualTo(PaymentStatus.PENDING);
        east2.create(east1.find("pay_1").orElseThrow()); // replicated (sends = 1, last send t = 0)

        // t = 50 s: the client retries its key in us-east-1 (a 202 is taken over at once): the re-send is recorded
        // there (sends = 2) and sent; its answer does not come back, and us-east-1 goes down before that record
        // replicates. The call itself is on its way to the processor.
        clock.advance(Duration.ofSeconds(50));
        network.holdNext = true;
        inEast1.create("m", "pay_1", command);
        assertThat(east1.find("pay_1").orElseThrow().pending().sends()).isEqualTo(2);

        // t = 65 s: emergency failover promoted us-east-2; its reconciler looks the key up: not found, and its
        // last known send (t = 0) is more than 60 s ago.
        clock.advance(Duration.ofSeconds(15));
        new Reconciler(east2, inEast2, clock).run(10);

        // t = 80 s: the re-send reaches the processor, 30 s after it was sent (within the 60 s contract): charged.
        clock.advance(Duration.ofSeconds(15));
        network.deliverHeld();
        assertThat(processor.authorizations()).isEqualTo(1);

        Payment inTheNewRegion = east2.find("pay_1").orElseThrow();
        assertThat(inTheNewRegion.status())
                .as("us-east-2's record of a payment the processor charged (failure: %s)",
                        inTheNewRegion.failureReason())
                .isIn(PaymentStatus.PENDING, PaymentStatus.CAPTURED);

        // The next look finds the charge: our record equals the processor's ledger.
        clock.advance(Duration.ofSeconds(30));
        new Reconciler(east2, inEast2, clock).run(10);
        assertThat(east2.find("pay_1").orElseThrow().status()).isEqualTo(PaymentStatus.CAPTURED);
    }

    @Test
    void aCallNobodySent_isStillConcludedNeverSent_aGraceAfterThePromotion() {
        network.loseNext = true;
        inEast1.create("m", "pay_2", CreatePaymentCommand.of(700L, "USD", "tok_visa_4242", null, Map.of(), true));
        east2.create(east1.find("pay_2").orElseThrow());
        clock.advance(Duration.ofSeconds(64));
        new Reconciler(east2, inEast2, clock).run(10);
        assertThat(east2.find("pay_2").orElseThrow().status()).as("within the grace after the promotion")
                .isEqualTo(PaymentStatus.PENDING);

        clock.advance(PaymentService.RECONCILE_GRACE.plus(PaymentService.WRITER_CLOCK_MARGIN));
        new Reconciler(east2, inEast2, clock).run(10);
        assertThat(east2.find("pay_2").orElseThrow().status()).isEqualTo(PaymentStatus.FAILED);
        assertThat(processor.authorizations()).isZero();
    }

    /** Calls to the processor that can be lost (never arrive) or held (arrive when the test says). */
    private static final class Network implements PaymentProcessor {
        private final PaymentProcessor processor;
        private final List<Runnable> held = new ArrayList<>();
        boolean loseNext;
        boolean holdNext;

        Network(PaymentProcessor processor) {
            this.processor = processor;
        }

        @Override
        public Result authorize(AuthorizeRequest request) {
            if (loseNext) {
                loseNext = false;
                return new Result.Unknown("timed out");
            }
            if (holdNext) {
                holdNext = false;
                held.add(() -> processor.authorize(request));
                return new Result.Unknown("timed out");
            }
            return processor.authorize(request);
        }

        void deliverHeld() {
            held.forEach(Runnable::run);
            held.clear();
        }

        @Override public Result capture(String a, long m, String c, String k) { return processor.capture(a, m, c, k); }
        @Override public Result voidAuthorization(String a, String k) { return processor.voidAuthorization(a, k); }
        @Override public Result refund(String a, long m, String c, String k) { return processor.refund(a, m, c, k); }
        @Override public Result lookup(String key) { return processor.lookup(key); }
    }
}
