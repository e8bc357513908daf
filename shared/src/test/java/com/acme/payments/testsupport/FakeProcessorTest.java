package com.acme.payments.testsupport;

import com.acme.payments.port.PaymentProcessor.AuthorizeRequest;
import com.acme.payments.port.PaymentProcessor.Result;
import com.acme.payments.testsupport.FakeProcessor.FollowUpFailure;
import com.acme.payments.testsupport.FakeProcessor.Kind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The fake behaves like local-runtime's StubProcessor: scripted by token, idempotent per key. */
class FakeProcessorTest {
    private final FakeProcessor processor = new FakeProcessor();

    private Result authorize(String token, String key) {
        return processor.authorize(new AuthorizeRequest("pay_1", 2_500, "USD", token, false, key));
    }

    private String approvedReference() {
        return ((Result.Approved) authorize("tok_visa_4242", "pay_1:authorize")).reference();
    }

    @Test
    void authorize_approvesByDefault_andCountsTheMoneyMovement() {
        assertThat(authorize("tok_visa_4242", "k1")).isInstanceOf(Result.Approved.class);
        assertThat(processor.authorizations()).isEqualTo(1);
    }

    @Test
    void authorize_isScriptedByTokenPrefix() {
        assertThat(authorize("tok_decline_x", "k1")).isEqualTo(new Result.Declined("card_declined"));
        assertThat(authorize("tok_error_x", "k2")).isInstanceOf(Result.Failed.class);
        assertThat(authorize("tok_timeout_x", "k3")).isInstanceOf(Result.Unknown.class);

        // Only the timed-out one charged the card, and only it and the decline are on record.
        assertThat(processor.authorizations()).isEqualTo(1);
        assertThat(processor.lookup("k1")).isEqualTo(new Result.Declined("card_declined"));
        assertThat(processor.lookup("k2")).isInstanceOf(Result.NotFound.class);
        assertThat(processor.lookup("k3")).isInstanceOf(Result.Approved.class);
    }

    @Test
    void repeatedKey_returnsTheFirstResult_andMovesNoMoney() {
        Result first = authorize("tok_visa_4242", "k1");

        assertThat(authorize("tok_visa_4242", "k1")).isEqualTo(first);
        assertThat(processor.authorizations()).isEqualTo(1);
        assertThat(processor.authorizeCalls()).isEqualTo(2);
        assertThat(processor.calls()).extracting(FakeProcessor.Call::idempotencyKey).containsExactly("k1", "k1");
    }

    @Test
    void errorIsNotRecorded_soARetryWithTheSameKeyIsAFreshAttempt() {
        String ref = approvedReference();
        processor.failNextFollowUp(FollowUpFailure.ERROR);

        assertThat(processor.capture(ref, 2_500, "USD", "c1")).isInstanceOf(Result.Failed.class);
        assertThat(processor.capture(ref, 2_500, "USD", "c1")).isInstanceOf(Result.Approved.class);
        assertThat(processor.captures()).isEqualTo(1);
    }

    @Test
    void scriptedFailure_appliesToTheNextFollowUpOnly() {
        String ref = approvedReference();
        processor.failNextFollowUp(FollowUpFailure.DECLINE);

        assertThat(processor.refund(ref, 100, "USD", "r1")).isEqualTo(new Result.Declined("do_not_honor"));
        assertThat(processor.refund(ref, 100, "USD", "r2")).isInstanceOf(Result.Approved.class);
        assertThat(processor.refunds()).isEqualTo(1);
        assertThat(processor.refundedAmount()).isEqualTo(100);
    }

    @Test
    void timedOutFollowUp_isDoneAndFoundByLookup() {
        String ref = approvedReference();
        processor.failNextFollowUp(FollowUpFailure.TIMEOUT);

        assertThat(processor.voidAuthorization(ref, "v1")).isInstanceOf(Result.Unknown.class);
        assertThat(processor.voids()).isEqualTo(1);
        assertThat(processor.lookup("v1")).isInstanceOf(Result.Approved.class);
    }

    @Test
    void followUpOnAnUnknownAuthorization_fails() {
        assertThat(processor.capture("auth_missing", 100, "USD", "c1")).isEqualTo(new Result.Failed("unknown_authorization"));
        assertThat(processor.captures()).isZero();
    }

    @Test
    void lookupsCanBeMadeUnavailable() {
        authorize("tok_visa_4242", "k1");
        processor.lookupsUnavailable(true);

        assertThat(processor.lookup("k1")).isInstanceOf(Result.Unknown.class);
        assertThat(processor.calls(Kind.LOOKUP)).hasSize(1);
    }

    @Test
    void concurrentCallsWithOneKey_moveMoneyOnce() throws Exception {
        String ref = approvedReference();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Result>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return processor.refund(ref, 100, "USD", "r1");
                }));
            }
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        Result first = results.getFirst().get();
        for (Future<Result> r : results) {
            assertThat(r.get()).isEqualTo(first);
        }
        assertThat(processor.refunds()).isEqualTo(1);
        assertThat(processor.refundedAmount()).isEqualTo(100);
        assertThat(processor.calls(Kind.REFUND)).hasSize(16);
    }
}
