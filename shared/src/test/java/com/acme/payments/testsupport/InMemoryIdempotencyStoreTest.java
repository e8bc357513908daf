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
        return store.claim("m", "key-1", fingerprint, resourceId, owner(resourceId), now, now.plusSeconds(60),
                now.plus(Duration.ofHours(24)));
    }

    /** Each claiming request has its own id; here it is derived from the resource id it proposes. */
    private static String owner(String resourceId) {
        return "req-for-" + resourceId;
    }

    @Test
    void firstClaim_acquiresWithTheNewResourceId() {
        assertThat(store.claim("m", "key-1", "fp", "pay_1", "req-1", NOW, LOCK, EXPIRES))
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
        store.complete("m", "key-1", owner("pay_1"), CREATED);

        assertThat(claim("fp", "pay_2", NOW.plusSeconds(1))).isEqualTo(new Claim.Replay(CREATED));
        assertThat(store.storedOutcome("m", "key-1")).contains(CREATED);
    }

    @Test
    void expiredRecord_isReplacedByANewClaim() {
        claim("fp", "pay_1", NOW);
        store.complete("m", "key-1", owner("pay_1"), CREATED);

        assertThat(claim("other", "pay_2", EXPIRES.plusSeconds(1))).isEqualTo(new Claim.Acquired("pay_2", false));
    }

    @Test
    void release_forgetsAnUnfinishedClaim_butNeverACompletedOne() {
        claim("fp", "pay_1", NOW);
        store.release("m", "key-1", owner("pay_1"));
        assertThat(store.holds("m", "key-1")).isFalse();

        claim("fp", "pay_2", NOW);
        store.complete("m", "key-1", owner("pay_2"), CREATED);
        store.release("m", "key-1", owner("pay_2"));
        assertThat(store.storedOutcome("m", "key-1")).contains(CREATED);
    }

    @Test
    void unlock_letsTheNextClaimTakeOverAtOnce_withTheOriginalResourceId() {
        claim("fp", "pay_1", NOW);
        Instant soon = NOW.plusSeconds(1);
        assertThat(store.lockedAt("m", "key-1", soon)).isTrue();

        store.unlock("m", "key-1", owner("pay_1"), soon);

        assertThat(store.lockedAt("m", "key-1", soon)).isFalse();
        assertThat(claim("fp", "pay_2", soon)).isEqualTo(new Claim.Acquired("pay_1", true));
        // The takeover locks the key again for its own run.
        assertThat(claim("fp", "pay_3", soon)).isInstanceOf(Claim.InFlight.class);
    }

    @Test
    void unlock_keepsTheFingerprint_soAnotherRequestIsStillAMismatch() {
        claim("fp", "pay_1", NOW);
        store.unlock("m", "key-1", owner("pay_1"), NOW);

        assertThat(claim("other", "pay_2", NOW)).isInstanceOf(Claim.Mismatch.class);
    }

    @Test
    void unlock_leavesACompletedRecordAndAMissingOneAlone() {
        claim("fp", "pay_1", NOW);
        store.complete("m", "key-1", owner("pay_1"), CREATED);
        store.unlock("m", "key-1", owner("pay_1"), NOW);
        assertThat(claim("fp", "pay_2", NOW)).isEqualTo(new Claim.Replay(CREATED));

        store.unlock("m", "never-claimed", "req-x", NOW);
        assertThat(store.holds("m", "never-claimed")).isFalse();
    }

    @Test
    void complete_withoutAClaim_storesNothing() {
        assertThat(store.complete("m", "nothing", "req-1", CREATED)).isFalse();
        assertThat(store.holds("m", "nothing")).isFalse();
    }

    @Test
    void afterATakeover_theFormerOwnerCanNeitherComplete_norUnlock_norRelease() {
        claim("fp", "pay_1", NOW);
        Instant later = LOCK.plusSeconds(1);
        assertThat(claim("fp", "pay_2", later)).isEqualTo(new Claim.Acquired("pay_1", true));

        // A late retry of the first request's writes (its answers were lost) must not touch the new owner's claim.
        store.unlock("m", "key-1", owner("pay_1"), later);
        assertThat(store.lockedAt("m", "key-1", later)).isTrue();
        store.release("m", "key-1", owner("pay_1"));
        assertThat(store.holds("m", "key-1")).isTrue();
        assertThat(store.complete("m", "key-1", owner("pay_1"), CREATED)).isFalse();
        assertThat(store.storedOutcome("m", "key-1")).isEmpty();

        assertThat(store.complete("m", "key-1", owner("pay_2"), CREATED)).isTrue();
        assertThat(store.storedOutcome("m", "key-1")).contains(CREATED);
    }

    @Test
    void theSameRequestClaimingAgain_getsItsOwnClaim_likeTheSdkRetryOfAPutWhoseAnswerWasLost() {
        assertThat(store.claim("m", "key-1", "fp", "pay_1", "req-1", NOW, LOCK, EXPIRES))
                .isEqualTo(new Claim.Acquired("pay_1", false));
        assertThat(store.claim("m", "key-1", "fp", "pay_9", "req-1", NOW, LOCK, EXPIRES))
                .isEqualTo(new Claim.Acquired("pay_1", false));
    }

    @Test
    void keys_areScopedToTheMerchant() {
        claim("fp", "pay_1", NOW);

        assertThat(store.claim("other", "key-1", "fp", "pay_2", "req-2", NOW, LOCK, EXPIRES))
                .isEqualTo(new Claim.Acquired("pay_2", false));
    }
}
