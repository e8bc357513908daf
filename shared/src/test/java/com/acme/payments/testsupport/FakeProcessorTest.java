package com.acme.payments.testsupport;

import com.acme.payments.port.PaymentProcessor.AuthorizeRequest;
import com.acme.payments.port.PaymentProcessor.Result;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.processordouble.InMemoryProcessor.Kind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The port translation of the processor model. The model's own rules (tokens, replay, scripting, concurrency) are
 * proved in processor-double's InMemoryProcessorTest; local-runtime's ProcessorDoublesAgreeTest proves this fake and
 * the HTTP stub give the port the same results.
 */
class FakeProcessorTest {
    private final FakeProcessor processor = new FakeProcessor();

    private Result authorize(String token, String key) {
        return processor.authorize(new AuthorizeRequest("pay_1", 2_500, "USD", token, false, key));
    }

    private String approvedReference() {
        return ((Result.Approved) authorize("tok_visa_4242", "pay_1:authorize")).reference();
    }

    @Test
    void outcomesMapOneToOne_andALateAnswerIsUnknown() {
        assertThat(authorize("tok_visa_4242", "k1")).isInstanceOf(Result.Approved.class);
        assertThat(authorize("tok_decline_x", "k2")).isEqualTo(new Result.Declined("card_declined"));
        assertThat(authorize("tok_error_x", "k3")).isEqualTo(new Result.Failed("processor_error"));
        assertThat(authorize("tok_timeout_x", "k4")).isInstanceOf(Result.Unknown.class);

        assertThat(processor.authorizations()).isEqualTo(2);
        assertThat(processor.lookup("k4")).as("the timed-out charge was made").isInstanceOf(Result.Approved.class);
        assertThat(processor.lookup("k3")).isInstanceOf(Result.NotFound.class);
        assertThat(processor.recorded("k2")).isEqualTo(new Result.Declined("card_declined"));
    }

    @Test
    void replay_returnsTheRecordedResult_andIsCountedAsACall() {
        Result first = authorize("tok_visa_4242", "k1");

        assertThat(authorize("tok_visa_4242", "k1")).isEqualTo(first);
        assertThat(processor.authorizations()).isEqualTo(1);
        assertThat(processor.authorizeCalls()).isEqualTo(2);
    }

    @Test
    void scriptedFollowUps_reachThePortAsFailedDeclinedAndUnknown() {
        String ref = approvedReference();

        processor.failNextFollowUp(FollowUpFailure.ERROR);
        assertThat(processor.capture(ref, 2_500, "USD", "c1")).isEqualTo(new Result.Failed("processor_unavailable"));
        processor.failNextFollowUp(FollowUpFailure.DECLINE);
        assertThat(processor.refund(ref, 100, "USD", "r1")).isEqualTo(new Result.Declined("do_not_honor"));
        processor.failNextFollowUp(FollowUpFailure.TIMEOUT);
        assertThat(processor.voidAuthorization(ref, "v1")).isInstanceOf(Result.Unknown.class);

        assertThat(processor.voids()).isEqualTo(1);
        assertThat(processor.refunds()).isZero();
        assertThat(processor.captures()).isZero();
        assertThat(processor.calls(Kind.CAPTURE)).hasSize(1);
    }

    @Test
    void unavailableLookups_areUnknown_likeTheHttpAdaptersAnswerWhenTheProcessorIsDown() {
        authorize("tok_visa_4242", "k1");
        processor.lookupsUnavailable(true);

        assertThat(processor.lookup("k1")).isInstanceOf(Result.Unknown.class);
        assertThat(processor.lookup("never-sent")).isInstanceOf(Result.Unknown.class);
        assertThat(processor.calls(Kind.LOOKUP)).hasSize(2);
    }
}
