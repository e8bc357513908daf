package com.acme.payments.testsupport;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.IdempotencyStore.Claim;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mirrors the decisions of {@code DynamoDbIdempotencyStore}, so service tests see production semantics. */
class InMemoryIdempotencyStoreTest {
    private static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");
    private static final Instant LOCK = NOW.plusSeconds(60);
    private static final Instant EXPIRES = NOW.plus(Duration.ofHours(24));
    /** The store keeps the outcome as opaque text; the decorator in payment-function decides what it encodes. */
    private static final String CREATED = "{\"status\":201,\"body\":\"{}\"}";

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
        assertThat(store.storedOutcome("m", "key-1")).contains(CREATED);
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
        assertThat(store.storedOutcome("m", "key-1")).contains(CREATED);
    }

    @Test
    void unlock_letsTheNextClaimTakeOverAtOnce_withTheOriginalResourceId() {
        claim("fp", "pay_1", NOW);
        Instant soon = NOW.plusSeconds(1);
        assertThat(store.lockedAt("m", "key-1", soon)).isTrue();

        store.unlock("m", "key-1", soon);

        assertThat(store.lockedAt("m", "key-1", soon)).isFalse();
        assertThat(claim("fp", "pay_2", soon)).isEqualTo(new Claim.Acquired("pay_1", true));
        // The takeover locks the key again for its own run.
        assertThat(claim("fp", "pay_3", soon)).isInstanceOf(Claim.InFlight.class);
    }

    @Test
    void unlock_keepsTheFingerprint_soAnotherRequestIsStillAMismatch() {
        claim("fp", "pay_1", NOW);
        store.unlock("m", "key-1", NOW);

        assertThat(claim("other", "pay_2", NOW)).isInstanceOf(Claim.Mismatch.class);
    }

    @Test
    void unlock_leavesACompletedRecordAndAMissingOneAlone() {
        claim("fp", "pay_1", NOW);
        store.complete("m", "key-1", CREATED);
        store.unlock("m", "key-1", NOW);
        assertThat(claim("fp", "pay_2", NOW)).isEqualTo(new Claim.Replay(CREATED));

        store.unlock("m", "never-claimed", NOW);
        assertThat(store.holds("m", "never-claimed")).isFalse();
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
