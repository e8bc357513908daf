package com.acme.payments.function;

import com.acme.payments.domain.Payment;
import com.acme.payments.api.HandlerHarness;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.processordouble.InMemoryProcessor;
import com.acme.payments.service.CreatePaymentCommand;
import com.acme.payments.service.PaymentService;
import com.acme.payments.service.Reconciler;
import com.acme.payments.testsupport.FakeProcessor;
import com.acme.payments.testsupport.InMemoryPaymentStore;
import com.acme.payments.testsupport.MutableClock;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The scheduled entry point settles payments nobody reads, within the invocation's time. */
class ReconcilerHandlerTest {
    // The handler measures its deadline on the wall clock, so the service's clock starts there too.
    private final MutableClock clock = new MutableClock(Instant.now());
    private final InMemoryPaymentStore store = new InMemoryPaymentStore();
    private final FakeProcessor processor = new FakeProcessor();
    private final PaymentService service = new PaymentService(store, processor, HandlerHarness::config, clock,
            "us-east-1");
    private final ReconcilerHandler handler = new ReconcilerHandler(new Reconciler(store, service, clock));

    private void createUnanswered(String id) {
        service.create("merchant_demo", id, CreatePaymentCommand.of(2_500L, "USD", "tok_timeout_slow", null, Map.of(),
                false));
    }

    @Test
    void aRun_settlesPaymentsWhoseAnswerWasLost_andReportsWhatItDid() {
        createUnanswered("pay_1");
        createUnanswered("pay_2");
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));

        Map<String, Object> report = handler.handleRequest(Map.of("source", "aws.events"), context(60_000));

        assertThat(report).containsExactly(Map.entry("examined", 2), Map.entry("settled", 2),
                Map.entry("stillPending", 0), Map.entry("failed", 0));
        assertThat(store.all()).allSatisfy(p -> assertThat(p.status()).isEqualTo(PaymentStatus.AUTHORIZED));
    }

    @Test
    void aRunWithTooLittleTimeLeft_startsNothing_andLeavesThePaymentsForTheNextRun() {
        createUnanswered("pay_1");
        clock.advance(Payment.RECONCILE_AFTER.plusSeconds(1));

        Map<String, Object> report = handler.handleRequest(Map.of(), context(1_000));

        assertThat(report).containsEntry("examined", 1).containsEntry("stillPending", 1).containsEntry("settled", 0);
        assertThat(processor.calls(InMemoryProcessor.Kind.LOOKUP)).isEmpty();
        assertThat(store.find("pay_1").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
    }

    @Test
    void aRunWithNothingDue_examinesNothing_andWorksWithoutALambdaContext() {
        createUnanswered("pay_young");

        // Nothing is older than the minimum age yet: the request that sent it is most likely still answering it.
        assertThat(handler.handleRequest(Map.of(), null)).containsEntry("examined", 0);
        assertThat(processor.calls(InMemoryProcessor.Kind.LOOKUP)).isEmpty();
    }

    private static Context context(int remainingMillis) {
        return new Context() {
            @Override
            public String getAwsRequestId() {
                return "reconcile-1";
            }

            @Override
            public String getLogGroupName() {
                return "/aws/lambda/payments-dev-reconciler";
            }

            @Override
            public String getLogStreamName() {
                return "stream";
            }

            @Override
            public String getFunctionName() {
                return "payments-dev-reconciler";
            }

            @Override
            public String getFunctionVersion() {
                return "1";
            }

            @Override
            public String getInvokedFunctionArn() {
                return "arn:aws:lambda:us-east-1:123456789012:function:payments-dev-reconciler";
            }

            @Override
            public CognitoIdentity getIdentity() {
                return null;
            }

            @Override
            public ClientContext getClientContext() {
                return null;
            }

            @Override
            public int getRemainingTimeInMillis() {
                return remainingMillis;
            }

            @Override
            public int getMemoryLimitInMB() {
                return 512;
            }

            @Override
            public LambdaLogger getLogger() {
                return null;
            }
        };
    }
}
