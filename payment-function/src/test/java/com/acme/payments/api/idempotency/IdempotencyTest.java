package com.acme.payments.api.idempotency;

import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;
import com.acme.payments.api.ErrorMapper;
import com.acme.payments.api.JsonCodec;
import com.acme.payments.api.Problems;
import com.acme.payments.api.idempotency.IdempotencyException.Kind;
import com.acme.payments.domain.DependencyException;
import com.acme.payments.domain.InvalidStateTransitionException;
import com.acme.payments.domain.InvalidStateTransitionException.Reason;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.port.IdempotencyStore;
import com.acme.payments.testsupport.InMemoryIdempotencyStore;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

/** The Idempotency-Key decorator around write routes, over the in-memory store that mirrors the DynamoDB one. */
class IdempotencyTest {
    private static final String MERCHANT = "merchant_a";
    private static final String KEY = "order-1001-attempt";
    private static final String BODY = "{\"amount\":100}";
    private static final Duration LOCK = Duration.ofSeconds(60);

    private final MutableClock clock = new MutableClock();
    private final FaultyStore store = new FaultyStore(new InMemoryIdempotencyStore());
    private final Idempotency idempotency = new Idempotency(store, clock, LOCK);
    private final ErrorMapper errorMapper = new ErrorMapper(new Problems(new JsonCodec()));

    /** Hands out pay_1, pay_2, … so a test can tell a fresh id from a resumed one. */
    private final AtomicInteger ids = new AtomicInteger();
    private final Supplier<String> newId = () -> "pay_" + ids.incrementAndGet();

    /** Work that answers {@code status} and records the resource id of every execution. */
    private final List<String> executions = new CopyOnWriteArrayList<>();

    private Function<String, ApiResponse> answering(int status) {
        return resourceId -> {
            executions.add(resourceId);
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/json");
            headers.put("Location", "/payments/" + resourceId);
            return new ApiResponse(status, headers, "{\"id\":\"" + resourceId + "\",\"note\":\"é \\\"q\\\" \\u2028\"}");
        };
    }

    private Function<String, ApiResponse> throwing(RuntimeException e) {
        return resourceId -> {
            executions.add(resourceId);
            throw e;
        };
    }

    /** Every invocation has its own request id (Lambda's), which owns the claim it makes. */
    private static final java.util.concurrent.atomic.AtomicLong REQUEST_IDS = new java.util.concurrent.atomic.AtomicLong();

    private static ApiRequest request(String merchantKey, String body) {
        return new ApiRequest("POST", "/payments", merchantKey == null ? Map.of() : Map.of("idempotency-key", merchantKey),
                Map.of(), body, Map.of(), "req-" + REQUEST_IDS.incrementAndGet());
    }

    private ApiResponse execute(String body, Function<String, ApiResponse> work) {
        return execute(MERCHANT, KEY, body, work);
    }

    private ApiResponse execute(String merchant, String key, String body, Function<String, ApiResponse> work) {
        ApiRequest request = request(key, body);
        return idempotency.execute(request, merchant, body, newId, work, e -> errorMapper.toResponse(e, request));
    }

    private static boolean replayed(ApiResponse response) {
        return "true".equals(response.headers().get(Idempotency.REPLAYED_HEADER));
    }

    /** The answer without the replay marker: what a replay must reproduce exactly. */
    private static ApiResponse withoutReplayMarker(ApiResponse response) {
        Map<String, String> headers = new LinkedHashMap<>(response.headers());
        headers.remove(Idempotency.REPLAYED_HEADER);
        return new ApiResponse(response.status(), headers, response.body());
    }

    @Test
    void firstRequest_executes_andIsNotAReplay() {
        ApiResponse response = execute(BODY, answering(201));

        assertThat(replayed(response)).isFalse();
        assertThat(response.status()).isEqualTo(201);
        assertThat(response.body()).startsWith("{\"id\":\"pay_1\"");
        assertThat(executions).containsExactly("pay_1");
    }

    @Test
    void replay_returnsTheStoredAnswerByteForByte_withoutExecutingAgain() {
        ApiResponse first = execute(BODY, answering(201));
        clock.advance(Duration.ofHours(1));

        ApiResponse replay = execute(BODY, answering(201));

        assertThat(replayed(replay)).isTrue();
        assertThat(withoutReplayMarker(replay)).isEqualTo(first);
        assertThat(executions).containsExactly("pay_1");
    }

    @Test
    void sameKey_withADifferentRequest_isAMismatch_andDoesNotExecute() {
        execute(BODY, answering(201));

        assertThatThrownBy(() -> execute("{\"amount\":999}", answering(201)))
                .isInstanceOfSatisfying(IdempotencyException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MISMATCH));
        assertThat(executions).hasSize(1);
    }

    @Test
    void sameKey_whileTheFirstRequestIsStillRunning_isInFlight() {
        List<Throwable> nested = new ArrayList<>();

        execute(BODY, resourceId -> {
            // A second request arrives while the first is inside its work.
            try {
                execute(BODY, answering(201));
            } catch (IdempotencyException e) {
                nested.add(e);
            }
            return new ApiResponse(201, Map.of(), "{}");
        });

        assertThat(nested).singleElement().isInstanceOfSatisfying(IdempotencyException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.IN_FLIGHT));
        assertThat(executions).isEmpty();
    }

    // ---- what the key becomes after an answer: Retention's table ------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 404, 405, 409, 413, 415, 422, 431})
    void refusedBeforeAnythingMoved_releasesTheKey_soTheCorrectedRequestExecutes(int status) {
        ApiResponse first = execute(BODY, answering(status));
        assertThat(first.status()).isEqualTo(status);
        assertThat(store.delegate.holds(MERCHANT, KEY)).isFalse();

        ApiResponse retry = execute(BODY, answering(201));

        assertThat(replayed(retry)).isFalse();
        assertThat(retry.status()).isEqualTo(201);
        assertThat(executions).containsExactly("pay_1", "pay_2");
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 402, 502})
    void doneAndProcessorOutcomes_areStored_andReplayed(int status) {
        ApiResponse first = execute(BODY, answering(status));

        ApiResponse retry = execute(BODY, answering(201));

        // 402 and 502 mean the processor answered: money may have moved, so a retry must see the same answer.
        assertThat(replayed(retry)).isTrue();
        assertThat(withoutReplayMarker(retry)).isEqualTo(first);
        assertThat(executions).hasSize(1);
    }

    @Test
    void accepted202_leavesTheKeyOpen_soARetryResumesAtOnceOnTheSameResource_andTheFinalAnswerIsStored() {
        execute(BODY, answering(202));

        // No lock to wait out and no replay of the 202: the retry resumes the work and reports how it ended.
        ApiResponse resumed = execute(BODY, answering(201));

        assertThat(replayed(resumed)).isFalse();
        assertThat(resumed.status()).isEqualTo(201);
        assertThat(executions).containsExactly("pay_1", "pay_1");
        ApiResponse replay = execute(BODY, answering(201));
        assertThat(replayed(replay)).isTrue();
        assertThat(withoutReplayMarker(replay)).isEqualTo(resumed);
    }

    @Test
    void accepted202_keepsTheFingerprint_soAnotherRequestWithTheKeyIsStillAMismatch() {
        execute(BODY, answering(202));

        assertThatThrownBy(() -> execute("{\"amount\":999}", answering(201)))
                .isInstanceOfSatisfying(IdempotencyException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MISMATCH));
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 503})
    void faultMidway_keepsTheClaimLocked_untilTheLockExpires_thenARetryResumesOnTheSameResource(int status) {
        execute(BODY, answering(status));

        // Within the lock (boundary included) a retry may not start a second attempt next to a possibly live one.
        clock.advance(LOCK);
        assertThatThrownBy(() -> execute(BODY, answering(201)))
                .isInstanceOfSatisfying(IdempotencyException.class, e -> assertThat(e.kind()).isEqualTo(Kind.IN_FLIGHT));

        clock.advance(Duration.ofSeconds(1));
        ApiResponse takeover = execute(BODY, answering(201));

        assertThat(replayed(takeover)).isFalse();
        assertThat(takeover.status()).isEqualTo(201);
        // The same payment id: the half-done payment is finished, not duplicated.
        assertThat(executions).containsExactly("pay_1", "pay_1");
        assertThat(replayed(execute(BODY, answering(201)))).isTrue();
    }

    @Test
    void retentionTable_decidesEveryAnswer() {
        assertThat(Retention.of(200)).isEqualTo(Retention.STORE);
        assertThat(Retention.of(201)).isEqualTo(Retention.STORE);
        assertThat(Retention.of(402)).isEqualTo(Retention.STORE);
        assertThat(Retention.of(502)).isEqualTo(Retention.STORE);
        assertThat(Retention.of(202)).isEqualTo(Retention.KEEP_OPEN);
        assertThat(Retention.of(500)).isEqualTo(Retention.KEEP_LOCKED);
        assertThat(Retention.of(503)).isEqualTo(Retention.KEEP_LOCKED);
        for (int status : new int[] {400, 401, 404, 405, 409, 413, 415, 422, 431}) {
            assertThat(Retention.of(status)).as("%d", status).isEqualTo(Retention.RELEASE);
        }
        // No status is left to chance: a success nobody listed is kept, a fault nobody listed keeps the lock.
        assertThat(Retention.of(204)).isEqualTo(Retention.STORE);
        assertThat(Retention.of(504)).isEqualTo(Retention.KEEP_LOCKED);
        // The catch-all is last: a row added after it could never match.
        Retention.Rule last = Retention.TABLE.getLast();
        assertThat(last.from()).isZero();
        assertThat(last.to()).isEqualTo(999);
    }

    @Test
    void retentionTable_isTheOneInTheReadme_verbatim() throws IOException {
        String readme = Files.readString(repositoryRoot().resolve("README.md"));
        String table = Retention.markdownTable();

        assertThat(table.lines()).hasSize(Retention.TABLE.size() + 2);
        assertThat(table).contains("| 202 | KEEP_OPEN |", "| other (400, 404, 409, 413, 415, 422, ...) | RELEASE |");
        assertThat(readme).as("README.md must contain Retention.markdownTable() verbatim:%n%s", table).contains(table);
    }

    // ---- the work fails -----------------------------------------------------------------------------------------

    @Test
    void workThrowingARetryableDependencyFailure_answers503_andKeepsTheClaimLocked() {
        ApiResponse answer = execute(BODY, throwing(new DependencyException("table down", true, null)));

        assertThat(answer.status()).isEqualTo(503);
        assertThat(store.delegate.lockedAt(MERCHANT, KEY, clock.instant())).isTrue();
        clock.advance(LOCK.plusSeconds(1));
        assertThat(execute(BODY, answering(201)).status()).isEqualTo(201);
        assertThat(executions).containsExactly("pay_1", "pay_1");
    }

    @Test
    void workRefusedByTheStateMachineOrTheRules_answers4xx_andReleasesTheKey() {
        ApiResponse conflict = execute(BODY, throwing(new InvalidStateTransitionException(PaymentStatus.CAPTURED,
                Reason.NOT_ALLOWED_IN_STATUS, "capture is allowed only from AUTHORIZED")));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(store.delegate.holds(MERCHANT, KEY)).isFalse();

        ApiResponse invalid = execute(BODY, throwing(new ValidationException("amount", "too large")));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(store.delegate.holds(MERCHANT, KEY)).isFalse();
    }

    @Test
    void anAnswerThatCannotBeStored_isNotSent_theClientGets503_andTheClaimStaysLocked() {
        // Sending the 201 while the store has no record of it would let a later retry get a different answer.
        store.failComplete = true;

        ApiResponse answer = execute(BODY, answering(201));

        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.headers()).containsEntry("Retry-After", "5");
        assertThat(store.delegate.lockedAt(MERCHANT, KEY, clock.instant())).isTrue();
        store.failComplete = false;
        clock.advance(LOCK.plusSeconds(1));
        ApiResponse resumed = execute(BODY, answering(201));
        assertThat(resumed.status()).isEqualTo(201);
        assertThat(executions).containsExactly("pay_1", "pay_1");
        assertThat(store.delegate.storedOutcome(MERCHANT, KEY)).isPresent();
    }

    @Test
    void a202WhoseKeyCannotBeUnlocked_answers503_andTheClaimStaysLockedUntilItExpires() {
        store.failUnlock = true;

        ApiResponse answer = execute(BODY, answering(202));

        assertThat(answer.status()).isEqualTo(503);
        assertThat(store.delegate.lockedAt(MERCHANT, KEY, clock.instant())).isTrue();
    }

    // ---- scope and lifetime -------------------------------------------------------------------------------------

    @Test
    void takenOverClaim_isLockedAgain_forTheNewAttempt() {
        execute(BODY, answering(500));
        clock.advance(LOCK.plusSeconds(1));
        List<Throwable> nested = new ArrayList<>();

        execute(BODY, resourceId -> {
            try {
                execute(BODY, answering(201));
            } catch (IdempotencyException e) {
                nested.add(e);
            }
            return new ApiResponse(201, Map.of(), "{}");
        });

        assertThat(nested).singleElement().isInstanceOfSatisfying(IdempotencyException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.IN_FLIGHT));
    }

    @Test
    void keys_areScopedToTheMerchant() {
        execute("merchant_a", KEY, BODY, answering(201));

        ApiResponse otherMerchant = execute("merchant_b", KEY, BODY, answering(201));

        assertThat(replayed(otherMerchant)).isFalse();
        assertThat(executions).containsExactly("pay_1", "pay_2");
    }

    @Test
    void storedKey_isForgottenAfterTheRetentionPeriod() {
        execute(BODY, answering(201));
        clock.advance(Idempotency.RETENTION.plusSeconds(1));

        ApiResponse later = execute(BODY, answering(201));

        assertThat(replayed(later)).isFalse();
        assertThat(executions).hasSize(2);
    }

    // ---- key validation ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"short", "1234567", "has space", "semi;colon", "slash/key1", "emoji-🙂-key", "new\nline-key"})
    void malformedKey_isInvalid_andNothingIsClaimed(String key) {
        assertThatThrownBy(() -> execute(MERCHANT, key, BODY, answering(201)))
                .isInstanceOfSatisfying(IdempotencyException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_KEY));
        assertThat(executions).isEmpty();
        assertThat(ids.get()).isZero();
    }

    @Test
    void keyLength_mustBe8To255() {
        assertThatCode(() -> Idempotency.validKey("a".repeat(8))).doesNotThrowAnyException();
        assertThatCode(() -> Idempotency.validKey("a".repeat(255))).doesNotThrowAnyException();
        assertThatThrownBy(() -> Idempotency.validKey("a".repeat(256))).isInstanceOf(IdempotencyException.class);
        assertThatCode(() -> Idempotency.validKey("0192f7e0-1b2c-7d3e-8f40-123456789abc")).doesNotThrowAnyException();
        assertThat(Idempotency.validKey("order_42:retry.1")).isEqualTo("order_42:retry.1");
    }

    // ---- fingerprint and stored answers -----------------------------------------------------------------------

    @Test
    void fingerprint_isStable_andASha256Hex() {
        String a = Idempotency.fingerprint("POST", "/payments", BODY);

        assertThat(a).isEqualTo(Idempotency.fingerprint("POST", "/payments", BODY)).matches("[0-9a-f]{64}");
    }

    @Test
    void fingerprint_differsByMethodPathAndBody() {
        String base = Idempotency.fingerprint("POST", "/payments/p1/refunds", "{\"amount\":100}");

        assertThat(List.of(
                Idempotency.fingerprint("PUT", "/payments/p1/refunds", "{\"amount\":100}"),
                Idempotency.fingerprint("POST", "/payments/p2/refunds", "{\"amount\":100}"),
                Idempotency.fingerprint("POST", "/payments/p1/refunds", "{\"amount\":101}"),
                // Fields are separated, so moving text from path to body cannot produce the same fingerprint.
                Idempotency.fingerprint("POST", "/payments/p1/refunds{\"amount\"", ":100}")))
                .doesNotContain(base)
                .doesNotHaveDuplicates();
    }

    @Test
    void storedAnswer_roundTripsStatusHeadersAndBodyExactly() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/problem+json");
        headers.put("Location", "/payments/pay_1?x=\"y\"");
        ApiResponse withBody = new ApiResponse(402, headers, "{\"detail\":\"é ✓ \\u0000 \\\"q\\\"\",\"n\":1}\n");
        ApiResponse withoutBody = new ApiResponse(200, Map.of(), null);

        assertThat(StoredAnswer.decode(StoredAnswer.encode(withBody))).isEqualTo(withBody);
        assertThat(StoredAnswer.decode(StoredAnswer.encode(withoutBody))).isEqualTo(withoutBody);
    }

    // ---- concurrency ------------------------------------------------------------------------------------------

    @Test
    void fiftyConcurrentRequestsWithTheSameKey_executeExactlyOnce() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ApiResponse>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(50)) {
            for (int i = 0; i < 50; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return execute(BODY, resourceId -> {
                        executions.add(resourceId);
                        sleep(20); // stay in flight while others arrive
                        return new ApiResponse(201, Map.of(), "{\"id\":\"" + resourceId + "\"}");
                    });
                }));
            }
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        int executed = 0;
        int replays = 0;
        int inFlight = 0;
        for (Future<ApiResponse> f : futures) {
            try {
                if (replayed(f.get())) {
                    replays++;
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
        assertThat(replays + inFlight).isEqualTo(49);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
    }

    /** The in-memory store, whose completing or unlocking can be made to fail like a DynamoDB write. */
    static final class FaultyStore implements IdempotencyStore {
        final InMemoryIdempotencyStore delegate;
        volatile boolean failComplete;
        volatile boolean failUnlock;

        FaultyStore(InMemoryIdempotencyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Claim claim(String scope, String key, String fingerprint, String resourceId, String owner,
                           Instant now, Instant lockUntil, Instant expiresAt) {
            return delegate.claim(scope, key, fingerprint, resourceId, owner, now, lockUntil, expiresAt);
        }

        @Override
        public boolean complete(String scope, String key, String owner, String outcome) {
            if (failComplete) {
                throw new DependencyException("DynamoDB failed to complete idempotency key", true, null);
            }
            return delegate.complete(scope, key, owner, outcome);
        }

        @Override
        public void release(String scope, String key, String owner) {
            delegate.release(scope, key, owner);
        }

        @Override
        public void unlock(String scope, String key, String owner, Instant now) {
            if (failUnlock) {
                throw new DependencyException("DynamoDB failed to unlock idempotency key", true, null);
            }
            delegate.unlock(scope, key, owner, now);
        }
    }
}
