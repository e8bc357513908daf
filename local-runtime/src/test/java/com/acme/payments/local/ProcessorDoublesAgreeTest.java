package com.acme.payments.local;

import com.acme.payments.adapter.processor.HttpPaymentProcessor;
import com.acme.payments.config.AppConfig;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.port.PaymentProcessor.AuthorizeRequest;
import com.acme.payments.port.PaymentProcessor.Result;
import com.acme.payments.processordouble.InMemoryProcessor;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.testsupport.FakeProcessor;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The unit tests' processor ({@code FakeProcessor}, in process) and the local loop's ({@code StubProcessor}
 * reached through the real {@link HttpPaymentProcessor}) are one model behind two adapters, so the service sees
 * the same results from both: the same script, run against each, yields the same sequence of results and the
 * same money movements.
 */
class ProcessorDoublesAgreeTest {
    private static final String API_KEY = "stub-test-key";

    /** A processor as the service sees it, and the model behind it for scripting and counting. */
    private record Subject(PaymentProcessor port, InMemoryProcessor model) { }

    @Test
    void fakeAndHttpStub_answerTheSameScriptWithTheSameResults() throws Exception {
        List<String> fake = script(new Subject(new FakeProcessor(), null));
        List<String> http;
        try (StubProcessor stub = new StubProcessor("127.0.0.1", 0, Set.of(API_KEY))) {
            // A late answer must miss the client's timeout by far; an on-time one must make it on a busy machine.
            stub.slowMillis(3_000);
            AppConfig config = new AppConfig(URI.create(stub.url()), API_KEY, Duration.ofMillis(1_500),
                    Map.of("USD", 1_000_000L), Map.of());
            warmUp(stub);
            http = script(new Subject(new HttpPaymentProcessor(() -> config), stub.model()));
        }

        assertThat(http).isEqualTo(fake);
        assertThat(fake).as("sanity: the script reached every kind of result").contains("approved", "unknown",
                "failed", "not_found", "declined:card_declined", "declined:do_not_honor");
    }

    /** Runs one script; every result goes in the list, normalized to what the service acts on. */
    private static List<String> script(Subject subject) {
        PaymentProcessor p = subject.port();
        InMemoryProcessor model = subject.model() != null ? subject.model() : ((FakeProcessor) p).model();
        List<String> seen = new ArrayList<>();

        Result approved = p.authorize(request("tok_visa_4242", "pay_1:authorize"));
        assertThat(approved).as("the first authorization").isInstanceOf(Result.Approved.class);
        seen.add(shown(approved));
        String ref = ((Result.Approved) approved).reference();
        seen.add("replay same reference=" + p.authorize(request("tok_visa_4242", "pay_1:authorize")).equals(approved));
        seen.add(shown(p.authorize(request("tok_decline_1", "pay_2:authorize"))));
        seen.add(shown(p.authorize(request("tok_error_1", "pay_3:authorize"))));
        seen.add(shown(p.lookup("pay_3:authorize")));
        seen.add(shown(p.authorize(request("tok_timeout_1", "pay_4:authorize"))));
        seen.add(shown(p.lookup("pay_4:authorize")));

        model.failNextFollowUp(FollowUpFailure.ERROR);
        seen.add(shown(p.capture(ref, 2_500, "USD", "pay_1:capture:1")));
        seen.add(shown(p.capture(ref, 2_500, "USD", "pay_1:capture:1")));
        model.failNextFollowUp(FollowUpFailure.DECLINE);
        seen.add(shown(p.refund(ref, 500, "USD", "re_1:refund")));
        model.failNextFollowUp(FollowUpFailure.TIMEOUT);
        seen.add(shown(p.refund(ref, 700, "USD", "re_2:refund")));
        seen.add(shown(p.lookup("re_2:refund")));
        seen.add(shown(p.voidAuthorization("auth_missing", "pay_9:cancel:1")));
        model.lookupsUnavailable(true);
        seen.add(shown(p.lookup("pay_1:authorize")));
        model.lookupsUnavailable(false);
        seen.add(shown(p.lookup("never-sent")));

        seen.add("authorizations=" + model.authorizations() + " captures=" + model.captures() + " refunds="
                + model.refunds() + " refunded=" + model.refundedAmount() + " voids=" + model.voids());
        return seen;
    }

    /** The stub's first answer pays for class loading; a stats read (the model is untouched) takes that cost. */
    private static void warmUp(StubProcessor stub) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            http.send(HttpRequest.newBuilder(URI.create(stub.url() + "/_stats")).build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    private static AuthorizeRequest request(String token, String key) {
        return new AuthorizeRequest(key.substring(0, key.indexOf(':')), 2_500, "USD", token, false, key);
    }

    /** The result as the service branches on it: references and failure wording differ by transport. */
    private static String shown(Result result) {
        return switch (result) {
            case Result.Approved a -> "approved";
            case Result.Declined d -> "declined:" + d.reason();
            case Result.Failed f -> "failed";
            case Result.NotSent n -> "not_sent";
            case Result.Unknown u -> "unknown";
            case Result.NotFound n -> "not_found";
        };
    }
}
