package com.acme.payments.adapter.id;

import com.acme.payments.domain.PanDetector;
import com.acme.payments.port.IdGenerator.RequestScope;
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

class RequestDerivedIdGeneratorTest {
    private static final Pattern PAYMENT_ID = Pattern.compile(
            "pay_[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    private static final String FP = "3f".repeat(32);
    private final RequestDerivedIdGenerator ids = new RequestDerivedIdGenerator();

    private static RequestScope scope(String merchant, String key, String fingerprint) {
        return new RequestScope(merchant, key, fingerprint);
    }

    @Test
    void theSameRequest_namesTheSameResource_inEveryRegionAndOnEveryRetry() {
        assertThat(ids.paymentId(scope("m1", "key-0001", FP)))
                .isEqualTo(new RequestDerivedIdGenerator().paymentId(scope("m1", "key-0001", FP)))
                .matches(PAYMENT_ID);
    }

    @Test
    void merchantKeyAndFingerprint_eachChangeTheId_andKindsNeverShareOne() {
        String base = ids.paymentId(scope("m1", "key-0001", FP));
        assertThat(ids.paymentId(scope("m2", "key-0001", FP))).isNotEqualTo(base);
        assertThat(ids.paymentId(scope("m1", "key-0002", FP))).isNotEqualTo(base);
        assertThat(ids.paymentId(scope("m1", "key-0001", "4e".repeat(32)))).isNotEqualTo(base);
        assertThat(ids.refundId(scope("m1", "key-0001", FP))).startsWith("re_")
                .isNotEqualTo("re_" + base.substring(4));
        assertThat(ids.attemptId(scope("m1", "key-0001", FP))).startsWith("att_")
                .isNotEqualTo("att_" + base.substring(4));
    }

    @Test
    void fieldBoundariesCannotCollide() {
        assertThat(ids.paymentId(scope("ab", "c-key-000", FP))).isNotEqualTo(ids.paymentId(scope("a", "bc-key-000", FP)));
    }

    @Test
    void idsAreVersion8RfcVariantUuids() {
        UUID uuid = UUID.fromString(ids.paymentId(scope("m", "key-0001", FP)).substring(4));
        assertThat(uuid.version()).isEqualTo(8);
        assertThat(uuid.variant()).isEqualTo(2);
    }

    @Property(tries = 2000)
    void noIdEverLooksLikeACardNumber(@ForAll @AlphaChars @StringLength(min = 8, max = 40) String key) {
        String id = ids.paymentId(scope("merchant", key, FP));
        assertThat(PanDetector.containsPan(id)).isFalse();
        assertThat(id).matches(PAYMENT_ID);
    }

    @Test
    void aHundredThousandKeys_giveAHundredThousandIds_noneLikeACardNumber() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = ids.paymentId(scope("merchant", "key-" + i, FP));
            assertThat(PanDetector.containsPan(id)).isFalse();
            seen.add(id);
        }
        assertThat(seen).hasSize(100_000);
    }
}
