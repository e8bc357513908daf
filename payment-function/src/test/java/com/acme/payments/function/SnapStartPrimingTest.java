package com.acme.payments.function;

import com.acme.payments.api.HandlerHarness;
import com.acme.payments.api.JsonCodec;
import com.acme.payments.api.PaymentApi;
import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.api.json.JsonObject;
import com.acme.payments.config.AppConfig;
import com.acme.payments.config.CachedConfig;
import com.acme.payments.domain.Payment;
import com.acme.payments.api.WriteFenceGate;
import com.acme.payments.port.IdGenerator;
import com.acme.payments.port.IdGenerator.RequestScope;
import com.acme.payments.port.PaymentStore;
import com.acme.payments.service.PaymentService;
import com.acme.payments.service.WriteFence;
import com.acme.payments.testsupport.InMemoryActiveRegionSource;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryIdempotencyStore;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Priming is built from the collaborators it touches (issue 14): it reads the claim the API really uses, so it
 * exercises the authenticated path whatever the claim is called, and it changes nothing.
 */
class SnapStartPrimingTest {
    private final MutableClock clock = new MutableClock();
    private final FakeProcessor processor = new FakeProcessor();
    private final InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
    private final List<String> reads = new CopyOnWriteArrayList<>();
    private final InMemoryPaymentStore stored = new InMemoryPaymentStore();
    /** The store, recording every read. */
    private final PaymentStore payments = new PaymentStore() {
        @Override
        public void create(Payment payment) {
            stored.create(payment);
        }

        @Override
        public Optional<Payment> find(String paymentId) {
            reads.add(paymentId);
            return stored.find(paymentId);
        }

        @Override
        public void update(Payment payment, long expectedVersion) {
            stored.update(payment, expectedVersion);
        }

        @Override
        public Page list(String merchantId, int limit, String cursor) {
            return stored.list(merchantId, limit, cursor);
        }

        @Override
        public List<String> duePending(Instant now, int limit) {
            return stored.duePending(now, limit);
        }

        @Override
        public void deferReconciliation(String paymentId, long version, Instant notBefore) {
            stored.deferReconciliation(paymentId, version, notBefore);
        }
    };
    private final AtomicInteger configLoads = new AtomicInteger();
    private final CachedConfig config = new CachedConfig(() -> {
        configLoads.incrementAndGet();
        return HandlerHarness.config();
    }, Duration.ofMinutes(5), clock);
    private final AtomicInteger idsMade = new AtomicInteger();
    private final IdGenerator countingIds = new IdGenerator() {
        @Override
        public String paymentId(RequestScope request) {
            return "pay_" + idsMade.incrementAndGet();
        }

        @Override
        public String refundId(RequestScope request) {
            return "re_" + idsMade.incrementAndGet();
        }

        @Override
        public String attemptId(RequestScope request) {
            return "att_" + idsMade.incrementAndGet();
        }
    };

    private final InMemoryActiveRegionSource activeRegion = new InMemoryActiveRegionSource("us-east-1");
    private final WriteFence fence = new WriteFence(activeRegion, "us-east-1", Duration.ofMinutes(5));

    private SnapStartPriming priming(String merchantClaim) {
        PaymentService service = new PaymentService(payments, processor, config, clock, "us-east-1");
        JsonCodec json = new JsonCodec();
        PaymentApi api = new PaymentApi(service, new Idempotency(keys, clock, Idempotency.LOCK), countingIds, json,
                merchantClaim, () -> {
                    config.get();
                    return new JsonObject().put("status", "ok");
                }, new WriteFenceGate(fence, config, json));
        return new SnapStartPriming(api, json, config, fence);
    }

    @Test
    void prime_readsAPaymentThroughTheAuthenticatedPath_underAConfiguredClaimName() {
        priming("https://acme.example/merchant").prime();

        // A 401 would have stopped before the store: the read proves the merchant claim was the API's own.
        assertThat(reads).containsExactly(SnapStartPriming.ABSENT_PAYMENT.substring("/payments/".length()));
    }

    @Test
    void prime_changesNothing_makesNoIds_andCallsNoProcessor() {
        priming("merchant_id").prime();

        assertThat(stored.all()).isEmpty();
        assertThat(keys.holds(SnapStartPriming.PRIMING_MERCHANT, "anything")).isFalse();
        assertThat(processor.calls()).isEmpty();
        // Ids made before the snapshot would be shared by every restored environment.
        assertThat(idsMade).hasValue(0);
    }

    @Test
    void prime_readsTheConfiguration_thenDropsIt_soNoSnapshotCarriesIt() {
        priming("merchant_id").prime();
        assertThat(configLoads).hasValue(1);

        config.get();

        assertThat(configLoads).as("reloaded after priming, not served from the snapshot").hasValue(2);
    }

    @Test
    void afterRestore_dropsTheViewOfTheActiveRegion_soARestoredEnvironmentReadsItAfresh() {
        SnapStartPriming priming = priming("merchant_id");
        priming.prime();
        int afterPriming = activeRegion.reads();
        fence.check();
        fence.check();
        assertThat(activeRegion.reads()).as("priming left no view behind: one read, then the cached view")
                .isEqualTo(afterPriming + 1);
        activeRegion.set("us-east-2", null); // a failover while the snapshot sat on disk

        priming.afterRestore(null);

        assertThat(fence.check().allowed()).as("the restored environment sees the failover").isFalse();
        assertThat(activeRegion.reads()).isEqualTo(afterPriming + 2);
    }

    @Test
    void afterRestore_dropsTheCachedConfiguration() {
        SnapStartPriming priming = priming("merchant_id");
        config.get();
        config.get();
        assertThat(configLoads).hasValue(1);

        priming.afterRestore(null);
        AppConfig reloaded = config.get();

        assertThat(configLoads).hasValue(2);
        assertThat(reloaded).isEqualTo(HandlerHarness.config());
    }
}
