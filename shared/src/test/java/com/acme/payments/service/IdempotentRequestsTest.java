package com.acme.payments.service;

import com.acme.payments.port.IdempotencyStore.StoredResponse;
import com.acme.payments.service.IdempotencyException.Kind;
import com.acme.payments.testsupport.InMemoryIdempotencyStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdempotentRequestsTest {
    private static final String MERCHANT = "merchant_a";
    private static final String KEY = "order-1001-attempt";
    private static final String FINGERPRINT = IdempotentRequests.fingerprint("POST", "/payments", "{\"amount\":100}");
    private static final Duration LOCK = Duration.ofSeconds(60);

    private final MutableClock clock = new MutableClock();
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
    private final IdempotentRequests requests = new IdempotentRequests(store, clock, LOCK);

    /** Hands out pay_1, pay_2, … so a test can tell a fresh id from a resumed one. */
    private final AtomicInteger ids = new AtomicInteger();
    private final Supplier<String> newId = () -> "pay_" + ids.incrementAndGet();

    /** Work that answers {@code status} and records the resource id of every execution. */
    private final List<String> executions = new CopyOnWriteArrayList<>();

    private Function<String, StoredResponse> answering(int status) {
        return resourceId -> {
            executions.add(resourceId);
            return new StoredResponse(status, "{\"id\":\"" + resourceId + "\"}", Map.of("Location", "/payments/" + resourceId));
        };
    }

    private IdempotentRequests.Outcome execute(String fingerprint, Function<String, StoredResponse> work) {
        return requests.execute(MERCHANT, KEY, fingerprint, newId, work);
    }

    @Test
    void firstRequest_executes_andIsNotAReplay() {
        IdempotentRequests.Outcome outcome = execute(FINGERPRINT, answering(201));

        assertThat(outcome.replayed()).isFalse();
        assertThat(outcome.response().statusCode()).isEqualTo(201);
        assertThat(outcome.response().body()).isEqualTo("{\"id\":\"pay_1\"}");
        assertThat(executions).containsExactly("pay_1");
    }

    @Test
    void replay_returnsTheStoredResponse_withoutExecutingAgain() {
        IdempotentRequests.Outcome first = execute(FINGERPRINT, answering(201));
        clock.advance(Duration.ofHours(1));

        IdempotentRequests.Outcome replay = execute(FINGERPRINT, answering(201));

        assertThat(replay.replayed()).isTrue();
        assertThat(replay.response()).isEqualTo(first.response());
        assertThat(executions).containsExactly("pay_1");
    }

    @Test
    void sameKey_withADifferentRequest_isAMismatch_andDoesNotExecute() {
        execute(FINGERPRINT, answering(201));
        String other = IdempotentRequests.fingerprint("POST", "/payments", "{\"amount\":999}");

        assertThatThrownBy(() -> execute(other, answering(201)))
                .isInstanceOfSatisfying(IdempotencyException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MISMATCH));
        assertThat(executions).hasSize(1);
    }

    @Test
    void sameKey_whileTheFirstRequestIsStillRunning_isInFlight() {
        List<Throwable> nested = new ArrayList<>();

        execute(FINGERPRINT, resourceId -> {
            // A second request arrives while the first is inside its work.
            try {
                execute(FINGERPRINT, answering(201));
            } catch (IdempotencyException e) {
                nested.add(e);
            }
            return new StoredResponse(201, "{}", Map.of());
        });

        assertThat(nested).singleElement().isInstanceOfSatisfying(IdempotencyException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.IN_FLIGHT));
        assertThat(executions).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 409, 413, 422})
    void clientError_releasesTheKey_soARetryExecutesAgain(int status) {
        IdempotentRequests.Outcome first = execute(FINGERPRINT, answering(status));
        assertThat(first.response().statusCode()).isEqualTo(status);
        assertThat(store.holds(MERCHANT, KEY)).isFalse();

        IdempotentRequests.Outcome retry = execute(FINGERPRINT, answering(201));

        assertThat(retry.replayed()).isFalse();
        assertThat(retry.response().statusCode()).isEqualTo(201);
        assertThat(executions).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 402, 502})
    void successAndProcessorOutcomes_areStored_andReplayed(int status) {
        execute(FINGERPRINT, answering(status));

        IdempotentRequests.Outcome retry = execute(FINGERPRINT, answering(201));

        // 402 and 502 mean the processor answered: money may have moved, so a retry must see the same answer.
        assertThat(retry.replayed()).isTrue();
        assertThat(retry.response().statusCode()).isEqualTo(status);
        assertThat(executions).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 503})
    void serverError_keepsTheClaim_untilTheLockExpires_thenARetryResumesOnTheSameResource(int status) {
        execute(FINGERPRINT, answering(status));

        // Within the lock (boundary included) a retry may not start a second attempt next to a possibly live one.
        clock.advance(LOCK);
        assertThatThrownBy(() -> execute(FINGERPRINT, answering(201)))
                .isInstanceOfSatisfying(IdempotencyException.class, e -> assertThat(e.kind()).isEqualTo(Kind.IN_FLIGHT));

        clock.advance(Duration.ofSeconds(1));
        IdempotentRequests.Outcome takeover = execute(FINGERPRINT, answering(201));

        assertThat(takeover.replayed()).isFalse();
        assertThat(takeover.response().statusCode()).isEqualTo(201);
        // The same payment id: the half-done payment is finished, not duplicated.
        assertThat(executions).containsExactly("pay_1", "pay_1");
        assertThat(execute(FINGERPRINT, answering(201)).replayed()).isTrue();
    }

    @Test
    void takenOverClaim_isLockedAgain_forTheNewAttempt() {
        execute(FINGERPRINT, answering(500));
        clock.advance(LOCK.plusSeconds(1));
        List<Throwable> nested = new ArrayList<>();

        execute(FINGERPRINT, resourceId -> {
            try {
                execute(FINGERPRINT, answering(201));
            } catch (IdempotencyException e) {
                nested.add(e);
            }
            return new StoredResponse(201, "{}", Map.of());
        });

        assertThat(nested).singleElement().isInstanceOfSatisfying(IdempotencyException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.IN_FLIGHT));
    }

    @Test
    void keys_areScopedToTheMerchant() {
        requests.execute("merchant_a", KEY, FINGERPRINT, newId, answering(201));

        IdempotentRequests.Outcome otherMerchant = requests.execute("merchant_b", KEY, FINGERPRINT, newId, answering(201));

        assertThat(otherMerchant.replayed()).isFalse();
        assertThat(executions).containsExactly("pay_1", "pay_2");
    }

    @Test
    void storedKey_isForgottenAfterTheRetentionPeriod() {
        execute(FINGERPRINT, answering(201));
        clock.advance(IdempotentRequests.RETENTION.plusSeconds(1));

        IdempotentRequests.Outcome later = execute(FINGERPRINT, answering(201));

        assertThat(later.replayed()).isFalse();
        assertThat(executions).hasSize(2);
    }

    // ---- key validation ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"short", "1234567", "has space", "semi;colon", "slash/key1", "emoji-🙂-key", "new\nline-key"})
    void malformedKey_isInvalid_andNothingIsClaimed(String key) {
        assertThatThrownBy(() -> requests.execute(MERCHANT, key, FINGERPRINT, newId, answering(201)))
                .isInstanceOfSatisfying(IdempotencyException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_KEY));
        assertThat(executions).isEmpty();
        assertThat(ids.get()).isZero();
    }

    @Test
    void keyLength_mustBe8To255() {
        assertThatCode(() -> IdempotentRequests.validateKey("a".repeat(8))).doesNotThrowAnyException();
        assertThatCode(() -> IdempotentRequests.validateKey("a".repeat(255))).doesNotThrowAnyException();
        assertThatThrownBy(() -> IdempotentRequests.validateKey("a".repeat(256))).isInstanceOf(IdempotencyException.class);
        assertThatCode(() -> IdempotentRequests.validateKey("0192f7e0-1b2c-7d3e-8f40-123456789abc"))
                .doesNotThrowAnyException();
        assertThatCode(() -> IdempotentRequests.validateKey("order_42:retry.1")).doesNotThrowAnyException();
    }

    // ---- fingerprint ------------------------------------------------------------------------------------------------

    @Test
    void fingerprint_isStable_andASha256Hex() {
        String a = IdempotentRequests.fingerprint("POST", "/payments", "{\"amount\":100}");

        assertThat(a).isEqualTo(FINGERPRINT).matches("[0-9a-f]{64}");
    }

    @Test
    void fingerprint_differsByMethodPathAndBody() {
        String base = IdempotentRequests.fingerprint("POST", "/payments/p1/refunds", "{\"amount\":100}");

        assertThat(List.of(
                IdempotentRequests.fingerprint("PUT", "/payments/p1/refunds", "{\"amount\":100}"),
                IdempotentRequests.fingerprint("POST", "/payments/p2/refunds", "{\"amount\":100}"),
                IdempotentRequests.fingerprint("POST", "/payments/p1/refunds", "{\"amount\":101}"),
                // Fields are separated, so moving text from path to body cannot produce the same fingerprint.
                IdempotentRequests.fingerprint("POST", "/payments/p1/refunds{\"amount\"", ":100}")))
                .doesNotContain(base)
                .doesNotHaveDuplicates();
    }

    // ---- concurrency ------------------------------------------------------------------------------------------------

    @Test
    void fiftyConcurrentRequestsWithTheSameKey_executeExactlyOnce() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<IdempotentRequests.Outcome>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(50)) {
            for (int i = 0; i < 50; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return execute(FINGERPRINT, resourceId -> {
                        executions.add(resourceId);
                        sleep(20); // stay in flight while others arrive
                        return new StoredResponse(201, "{\"id\":\"" + resourceId + "\"}", Map.of());
                    });
                }));
            }
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        int executed = 0;
        int replayed = 0;
        int inFlight = 0;
        for (Future<IdempotentRequests.Outcome> f : futures) {
            try {
                if (f.get().replayed()) {
                    replayed++;
                } else {
                    executed++;
                }
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOfSatisfying(IdempotencyException.class,
                        ie -> assertThat(ie.kind()).isEqualTo(Kind.IN_FLIGHT));
                inFlight++;
            }
        }
        assertThat(executions).hasSize(1);
        assertThat(executed).isEqualTo(1);
        assertThat(replayed + inFlight).isEqualTo(49);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
