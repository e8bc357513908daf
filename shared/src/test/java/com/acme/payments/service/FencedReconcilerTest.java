package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.Payment;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.port.PaymentStore;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryActiveRegionSource;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Found in review of issue 12's write fence (the reconciler then asked the fence only per payment): the failover waits fence TTL + the API function's timeout + 5 s (35 s) between
 * fencing the old region and promoting the new one, on the claim (template.yaml, ReconcilerFunction) that the
 * reconciler "asks again before each payment, so its writes stop within this TTL plus one payment's work (under
 * 25 s)". One payment's work is up to 1 + {@link Reconciler#REFUND_LOOKUPS_PER_PAYMENT} lookups of up to 5 s each
 * (ReconcilerHandler: "a lookup takes up to 5 s"), each followed by a write, inside a 120 s function.
 */
class FencedReconcilerTest {
    private static final AppConfig CONFIG = new AppConfig(URI.create("https://processor.example"), "secret-key",
            Duration.ofSeconds(3), Map.of("USD", 1_000_000L), Map.of());
    /** What scripts/failover.sh waits after the fence: TTL 5 s + API function timeout 25 s + margin 5 s. */
    private static final Duration FAILOVER_WAIT = Duration.ofSeconds(35);
    /** The slowest lookup the deployed processor client allows: 2 s connect + 3 s read. */
    private static final Duration SLOWEST_LOOKUP = Duration.ofSeconds(5);

    private final MutableClock clock = new MutableClock();
    private final InMemoryPaymentStore memory = new InMemoryPaymentStore();
    private final List<Instant> writes = new CopyOnWriteArrayList<>();
    private final PaymentStore store = new RecordingStore(memory, clock, writes);
    private final FakeProcessor fake = new FakeProcessor();
    private final InMemoryActiveRegionSource record = new InMemoryActiveRegionSource("us-east-1");
    private volatile Instant fencedAt;

    @Test
    void aReconcilerRunInTheFencedRegion_writesOnlyWithinTheFailoversWait() {
        PaymentService setup = new PaymentService(store, fake, () -> CONFIG, clock, "us-east-1", attempt -> { });
        Payment p = setup.create("m", "pay_1", CreatePaymentCommand.of(10_000L, "USD", "tok_visa_4242", null, Map.of(), true));
        for (int i = 1; i <= Reconciler.REFUND_LOOKUPS_PER_PAYMENT; i++) {
            fake.failNextFollowUp(FollowUpFailure.TIMEOUT); // refunded at the processor, answer lost: pending
            setup.refund("m", p.id(), "re_" + i, 100L);
        }
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));
        writes.clear();

        // The processor answers lookups as slowly as the deployed client allows; the operator fences us-east-1
        // (failover step 2) just after the reconciler asked the fence about this payment.
        PaymentProcessor slowLookups = new SlowLookups(fake, clock, SLOWEST_LOOKUP, () -> {
            if (fencedAt == null) {
                record.set(null, "us-east-2");
                fencedAt = clock.instant();
            }
        });
        PaymentService service = new PaymentService(store, slowLookups, () -> CONFIG, clock, "us-east-1",
                attempt -> { });
        WriteFence fence = new WriteFence(record, "us-east-1", WriteFence.DEFAULT_TTL,
                () -> clock.instant().toEpochMilli() * 1_000_000L);
        new Reconciler(store, service, clock, fence::writesAllowedNow).run(50);

        assertThat(fencedAt).isNotNull();
        Instant promotedAt = fencedAt.plus(FAILOVER_WAIT);
        // Every write of the fenced region must land before us-east-2 is promoted and starts writing the same items.
        assertThat(writes).as("writes in us-east-1 after it was fenced at %s (us-east-2 promoted at %s)",
                fencedAt, promotedAt).allSatisfy(at -> assertThat(at).isBefore(promotedAt));
    }

    /** Lookups that take {@code delay} on the test's clock; {@code onFirst} runs as the first one starts. */
    private record SlowLookups(PaymentProcessor delegate, MutableClock clock, Duration delay, Runnable onFirst)
            implements PaymentProcessor {
        @Override public Result authorize(AuthorizeRequest r) { return delegate.authorize(r); }
        @Override public Result capture(String a, long m, String c, String k) { return delegate.capture(a, m, c, k); }
        @Override public Result voidAuthorization(String a, String k) { return delegate.voidAuthorization(a, k); }
        @Override public Result refund(String a, long m, String c, String k) { return delegate.refund(a, m, c, k); }
        @Override public Result lookup(String key) {
            onFirst.run();
            clock.advance(delay);
            return delegate.lookup(key);
        }
    }

    /** The store, noting the time of every write. */
    private record RecordingStore(PaymentStore delegate, MutableClock clock, List<Instant> writes)
            implements PaymentStore {
        @Override public void create(Payment p) { writes.add(clock.instant()); delegate.create(p); }
        @Override public Optional<Payment> find(String id) { return delegate.find(id); }
        @Override public void update(Payment p, long v) { writes.add(clock.instant()); delegate.update(p, v); }
        @Override public Page list(String m, int l, String c) { return delegate.list(m, l, c); }
        @Override public List<String> duePending(Instant now, int limit) { return delegate.duePending(now, limit); }
        @Override public void deferReconciliation(String id, long v, Instant nb) {
            writes.add(clock.instant());
            delegate.deferReconciliation(id, v, nb);
        }
    }
}
