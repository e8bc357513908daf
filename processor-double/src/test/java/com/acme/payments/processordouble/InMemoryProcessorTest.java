package com.acme.payments.processordouble;

import com.acme.payments.processordouble.InMemoryProcessor.Answer;
import com.acme.payments.processordouble.InMemoryProcessor.Call;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.processordouble.InMemoryProcessor.Kind;
import com.acme.payments.processordouble.InMemoryProcessor.Outcome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The one processor model: scripted by token, idempotent per key, every money movement counted once. */
class InMemoryProcessorTest {
    private final InMemoryProcessor processor = new InMemoryProcessor();

    private Answer authorize(String token, String key) {
        return processor.authorize(key, "pay_1", 2_500, "USD", token, false);
    }

    private String approvedReference() {
        return ((Outcome.Approved) authorize("tok_visa_4242", "pay_1:authorize").outcome()).reference();
    }

    @Test
    void authorize_approvesByDefault_onTime_andCountsTheMoneyMovement() {
        Answer answer = authorize("tok_visa_4242", "k1");

        assertThat(answer.outcome()).isInstanceOf(Outcome.Approved.class);
        assertThat(answer.late()).isFalse();
        assertThat(((Outcome.Approved) answer.outcome()).reference()).startsWith("auth_");
        assertThat(processor.authorizations()).isEqualTo(1);
    }

    @Test
    void authorize_isScriptedByTokenPrefix() {
        assertThat(authorize("tok_decline_x", "k1")).isEqualTo(new Answer(new Outcome.Declined("card_declined"), false));
        assertThat(authorize("tok_error_x", "k2"))
                .isEqualTo(new Answer(new Outcome.Failed(InMemoryProcessor.PROCESSOR_ERROR), false));
        Answer timedOut = authorize("tok_timeout_x", "k3");
        assertThat(timedOut.late()).isTrue();
        assertThat(timedOut.outcome()).isInstanceOf(Outcome.Approved.class);

        // Only the timed-out one charged the card, and only it and the decline are on record.
        assertThat(processor.authorizations()).isEqualTo(1);
        assertThat(processor.lookup("k1").outcome()).isEqualTo(new Outcome.Declined("card_declined"));
        assertThat(processor.lookup("k2").outcome()).isInstanceOf(Outcome.NotFound.class);
        assertThat(processor.lookup("k3").outcome()).isEqualTo(timedOut.outcome());
    }

    @Test
    void repeatedKey_returnsTheFirstOutcome_andMovesNoMoney() {
        Answer first = authorize("tok_visa_4242", "k1");

        assertThat(authorize("tok_visa_4242", "k1")).isEqualTo(first);
        assertThat(processor.authorizations()).isEqualTo(1);
        assertThat(processor.calls(Kind.AUTHORIZE)).hasSize(2);
        assertThat(processor.calls()).extracting(Call::idempotencyKey).containsExactly("k1", "k1");
        assertThat(processor.calls()).extracting(Call::reference).containsExactly("pay_1", "pay_1");
    }

    @Test
    void replayOfALateAnswer_isOnTime_withTheRecordedOutcome() {
        Answer late = authorize("tok_timeout_x", "k1");

        Answer replay = authorize("tok_timeout_x", "k1");

        assertThat(replay).isEqualTo(new Answer(late.outcome(), false));
        assertThat(processor.authorizations()).isEqualTo(1);
    }

    @Test
    void errorIsNotRecorded_soARetryWithTheSameKeyIsAFreshAttempt() {
        String ref = approvedReference();
        processor.failNextFollowUp(FollowUpFailure.ERROR);

        assertThat(processor.capture(ref, 2_500, "USD", "c1").outcome())
                .isEqualTo(new Outcome.Failed(InMemoryProcessor.PROCESSOR_UNAVAILABLE));
        assertThat(processor.capture(ref, 2_500, "USD", "c1").outcome()).isInstanceOf(Outcome.Approved.class);
        assertThat(processor.captures()).isEqualTo(1);
    }

    @Test
    void scriptedFailure_appliesToTheNextFollowUpOnly() {
        String ref = approvedReference();
        processor.failNextFollowUp(FollowUpFailure.DECLINE);

        assertThat(processor.refund(ref, 100, "USD", "r1").outcome()).isEqualTo(new Outcome.Declined("do_not_honor"));
        assertThat(processor.refund(ref, 100, "USD", "r2").outcome()).isInstanceOf(Outcome.Approved.class);
        assertThat(processor.refunds()).isEqualTo(1);
        assertThat(processor.refundedAmount()).isEqualTo(100);
    }

    @Test
    void scriptedFailure_isNotConsumedByAReplayOrAnUnknownAuthorization() {
        String ref = approvedReference();
        Answer captured = processor.capture(ref, 2_500, "USD", "c1");
        processor.failNextFollowUp(FollowUpFailure.DECLINE);

        assertThat(processor.capture(ref, 2_500, "USD", "c1")).isEqualTo(captured);
        assertThat(processor.capture("auth_missing", 1, "USD", "c2").outcome())
                .isEqualTo(new Outcome.Failed(InMemoryProcessor.UNKNOWN_AUTHORIZATION));
        assertThat(processor.voidAuthorization(ref, "v1").outcome()).isEqualTo(new Outcome.Declined("do_not_honor"));
    }

    @Test
    void timedOutFollowUp_isDone_answeredLate_andFoundByLookup() {
        String ref = approvedReference();
        processor.failNextFollowUp(FollowUpFailure.TIMEOUT);

        Answer answer = processor.voidAuthorization(ref, "v1");

        assertThat(answer.late()).isTrue();
        assertThat(processor.voids()).isEqualTo(1);
        assertThat(processor.lookup("v1").outcome()).isEqualTo(answer.outcome());
    }

    @Test
    void followUpOnAnUnknownAuthorization_failsAndIsNotRecorded() {
        assertThat(processor.capture("auth_missing", 100, "USD", "c1").outcome())
                .isEqualTo(new Outcome.Failed(InMemoryProcessor.UNKNOWN_AUTHORIZATION));
        assertThat(processor.captures()).isZero();
        assertThat(processor.recorded("c1")).isInstanceOf(Outcome.NotFound.class);
    }

    @Test
    void lookupsCanBeMadeUnavailable_andAreRecordedAsCalls() {
        authorize("tok_visa_4242", "k1");
        processor.lookupsUnavailable(true);

        assertThat(processor.lookup("k1").outcome()).isEqualTo(new Outcome.Unavailable());
        assertThat(processor.calls(Kind.LOOKUP)).hasSize(1);
        assertThat(processor.recorded("k1")).as("the record itself is intact").isInstanceOf(Outcome.Approved.class);

        processor.lookupsUnavailable(false);
        assertThat(processor.lookup("k1").outcome()).isInstanceOf(Outcome.Approved.class);
    }

    @Test
    void referencesAreUniqueAcrossInstances() {
        String first = approvedReference();
        InMemoryProcessor restarted = new InMemoryProcessor();
        String second = ((Outcome.Approved) restarted.authorize("pay_1:authorize", "pay_1", 2_500, "USD",
                "tok_visa_4242", false).outcome()).reference();

        assertThat(second).isNotEqualTo(first);
        assertThat(restarted.capture(first, 2_500, "USD", "c1").outcome())
                .as("an authorization of another processor instance is unknown here")
                .isEqualTo(new Outcome.Failed(InMemoryProcessor.UNKNOWN_AUTHORIZATION));
    }

    @Test
    void concurrentCallsWithOneKey_moveMoneyOnce() throws Exception {
        String ref = approvedReference();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Answer>> results = new ArrayList<>();
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
        Answer first = results.getFirst().get();
        for (Future<Answer> r : results) {
            assertThat(r.get()).isEqualTo(first);
        }
        assertThat(processor.refunds()).isEqualTo(1);
        assertThat(processor.refundedAmount()).isEqualTo(100);
        assertThat(processor.calls(Kind.REFUND)).hasSize(16);
    }
}
