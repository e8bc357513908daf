package com.acme.payments.service;

import com.acme.payments.domain.PanDetector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class RequestDerivedIdsTest {
    private static final Pattern PAYMENT_ID = Pattern.compile(
            "pay_[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    private static final String FP = IdempotentRequests.fingerprint("POST", "/payments", "{\"amount\":1}");

    @Test
    void theSameRequest_namesTheSamePayment_inEveryRegionAndOnEveryRetry() {
        assertThat(RequestDerivedIds.paymentId("m1", "key-0001", FP))
                .isEqualTo(RequestDerivedIds.paymentId("m1", "key-0001", FP))
                .matches(PAYMENT_ID);
    }

    @Test
    void merchantKeyAndFingerprint_eachChangeTheId() {
        String base = RequestDerivedIds.paymentId("m1", "key-0001", FP);
        assertThat(RequestDerivedIds.paymentId("m2", "key-0001", FP)).isNotEqualTo(base);
        assertThat(RequestDerivedIds.paymentId("m1", "key-0002", FP)).isNotEqualTo(base);
        assertThat(RequestDerivedIds.paymentId("m1", "key-0001",
                IdempotentRequests.fingerprint("POST", "/payments", "{\"amount\":2}"))).isNotEqualTo(base);
        assertThat(RequestDerivedIds.refundId("m1", "key-0001", FP)).startsWith("re_")
                .isNotEqualTo("re_" + base.substring(4));
    }

    @Test
    void fieldBoundariesCannotCollide() {
        assertThat(RequestDerivedIds.paymentId("ab", "c-key-000", FP))
                .isNotEqualTo(RequestDerivedIds.paymentId("a", "bc-key-000", FP));
    }

    @Test
    void idsAreVersion8RfcVariantUuids() {
        UUID uuid = UUID.fromString(RequestDerivedIds.paymentId("m", "key-0001", FP).substring(4));
        assertThat(uuid.version()).isEqualTo(8);
        assertThat(uuid.variant()).isEqualTo(2);
    }

    @Property(tries = 2000)
    void noIdEverLooksLikeACardNumber_andIdsDoNotCollide(@ForAll @AlphaChars @StringLength(min = 8, max = 40) String key) {
        String id = RequestDerivedIds.paymentId("merchant", key, FP);
        assertThat(PanDetector.containsPan(id)).isFalse();
        assertThat(id).matches(PAYMENT_ID);
    }

    @Test
    void aHundredThousandKeys_giveAHundredThousandIds_noneLikeACardNumber() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = RequestDerivedIds.paymentId("merchant", "key-" + i, FP);
            assertThat(PanDetector.containsPan(id)).isFalse();
            ids.add(id);
        }
        assertThat(ids).hasSize(100_000);
    }
}
