package com.acme.payments.testsupport;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.IdempotencyStore.Claim;
import com.acme.payments.port.IdempotencyStore.StoredResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mirrors the decisions of {@code DynamoDbIdempotencyStore}, so service tests see production semantics. */
class InMemoryIdempotencyStoreTest {
    private static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");
    private static final Instant LOCK = NOW.plusSeconds(60);
    private static final Instant EXPIRES = NOW.plus(Duration.ofHours(24));
    private static final StoredResponse CREATED = new StoredResponse(201, "{}", Map.of());

    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();

    private Claim claim(String fingerprint, String resourceId, Instant now) {
        return store.claim("m", "key-1", fingerprint, resourceId, now, now.plusSeconds(60), now.plus(Duration.ofHours(24)));
    }

    @Test
    void firstClaim_acquiresWithTheNewResourceId() {
        assertThat(store.claim("m", "key-1", "fp", "pay_1", NOW, LOCK, EXPIRES))
                .isEqualTo(new Claim.Acquired("pay_1", false));
        assertThat(store.holds("m", "key-1")).isTrue();
    }

    @Test
    void claimWhileLocked_isInFlight_upToAndIncludingTheLockInstant() {
        claim("fp", "pay_1", NOW);

        assertThat(claim("fp", "pay_2", LOCK)).isInstanceOf(Claim.InFlight.class);
    }

    @Test
    void claimAfterTheLock_takesOverWithTheOriginalResourceId_andLocksAgain() {
        claim("fp", "pay_1", NOW);
        Instant later = LOCK.plusSeconds(1);

        assertThat(claim("fp", "pay_2", later)).isEqualTo(new Claim.Acquired("pay_1", true));
        assertThat(claim("fp", "pay_3", later.plusSeconds(1))).isInstanceOf(Claim.InFlight.class);
    }

    @Test
    void claimWithAnotherFingerprint_isAMismatch_evenAfterTheLock() {
        claim("fp", "pay_1", NOW);

        assertThat(claim("other", "pay_2", NOW)).isInstanceOf(Claim.Mismatch.class);
        assertThat(claim("other", "pay_2", LOCK.plusSeconds(1))).isInstanceOf(Claim.Mismatch.class);
    }

    @Test
    void completedKey_replaysTheStoredResponse() {
        claim("fp", "pay_1", NOW);
        store.complete("m", "key-1", CREATED);

        assertThat(claim("fp", "pay_2", NOW.plusSeconds(1))).isEqualTo(new Claim.Replay(CREATED));
        assertThat(store.storedResponse("m", "key-1")).contains(CREATED);
    }

    @Test
    void expiredRecord_isReplacedByANewClaim() {
        claim("fp", "pay_1", NOW);
        store.complete("m", "key-1", CREATED);

        assertThat(claim("other", "pay_2", EXPIRES.plusSeconds(1))).isEqualTo(new Claim.Acquired("pay_2", false));
    }

    @Test
    void release_forgetsAnUnfinishedClaim_butNeverACompletedOne() {
        claim("fp", "pay_1", NOW);
        store.release("m", "key-1");
        assertThat(store.holds("m", "key-1")).isFalse();

        claim("fp", "pay_2", NOW);
        store.complete("m", "key-1", CREATED);
        store.release("m", "key-1");
        assertThat(store.storedResponse("m", "key-1")).contains(CREATED);
    }

    @Test
    void complete_withoutAClaim_failsLikeTheConditionalWrite() {
        assertThatThrownBy(() -> store.complete("m", "nothing", CREATED)).isInstanceOf(DependencyException.class);
    }

    @Test
    void keys_areScopedToTheMerchant() {
        claim("fp", "pay_1", NOW);

        assertThat(store.claim("other", "key-1", "fp", "pay_2", NOW, LOCK, EXPIRES))
                .isEqualTo(new Claim.Acquired("pay_2", false));
    }
}
