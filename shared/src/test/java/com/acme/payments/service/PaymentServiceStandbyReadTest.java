package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The write-fence hook of {@link PaymentService#get}: a region that may not write reads without reconciling. */
class PaymentServiceStandbyReadTest {
    private static final AppConfig CONFIG = new AppConfig(URI.create("https://processor.example"), "secret-key",
            Duration.ofSeconds(3), Map.of("USD", 1_000_000L), Map.of());
    private final InMemoryPaymentStore store = new InMemoryPaymentStore();
    private final FakeProcessor processor = new FakeProcessor();
    private final PaymentService service = new PaymentService(store, processor, () -> CONFIG, new MutableClock(),
            "us-east-1");

    private Payment pendingAuthorization() {
        Payment p = service.create("m", "pay_1", new CreatePaymentCommand(2_500, "USD", "tok_timeout_slow", null,
                Map.of(), false));
        assertThat(p.status()).as("setup: the answer was lost").isEqualTo(PaymentStatus.PENDING);
        return p;
    }

    @Test
    void get_inARegionThatMayNotWrite_returnsTheStoredPayment_andNeitherAsksTheProcessorNorWrites() {
        Payment pending = pendingAuthorization();
        int[] asked = new int[1];

        Payment read = service.get("m", "pay_1", () -> {
            asked[0]++;
            return false;
        });

        assertThat(read).isEqualTo(pending);
        assertThat(store.find("pay_1").orElseThrow()).isEqualTo(pending);
        assertThat(processor.calls(FakeProcessor.Kind.LOOKUP)).isEmpty();
        assertThat(asked[0]).isEqualTo(1);
    }

    @Test
    void get_inTheActiveRegion_reconcilesAsBefore() {
        pendingAuthorization();
        assertThat(service.get("m", "pay_1", () -> true).status()).isEqualTo(PaymentStatus.AUTHORIZED);
    }

    @Test
    void get_ofAPaymentWithNothingPending_doesNotEvenAskTheFence() {
        service.create("m", "pay_2", new CreatePaymentCommand(100, "USD", "tok_visa_4242", null, Map.of(), false));
        service.get("m", "pay_2", () -> {
            throw new AssertionError("the fence must not be read for a settled payment");
        });
    }
}
