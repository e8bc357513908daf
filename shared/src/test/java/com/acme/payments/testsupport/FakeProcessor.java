package com.acme.payments.testsupport;

import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.processordouble.InMemoryProcessor;
import com.acme.payments.processordouble.InMemoryProcessor.Answer;
import com.acme.payments.processordouble.InMemoryProcessor.Call;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.processordouble.InMemoryProcessor.Kind;
import com.acme.payments.processordouble.InMemoryProcessor.Outcome;

import java.util.List;

/**
 * The {@link PaymentProcessor} port over the one processor model, {@link InMemoryProcessor} (local-runtime's
 * {@code StubProcessor} puts the same model behind HTTP). Only the translation lives here, and it is the one
 * {@code HttpPaymentProcessor} makes of the stub's answers: a late answer is {@code Unknown} (the caller timed
 * out), a lookup the processor could not answer is {@code Unknown}, everything else maps one to one (local-runtime's
 * ProcessorDoublesAgreeTest holds the two to that).
 * Scripting and observations are the model's, passed through so tests read {@code processor.captures()}.
 */
public final class FakeProcessor implements PaymentProcessor {
    private final InMemoryProcessor processor = new InMemoryProcessor();

    @Override
    public Result authorize(AuthorizeRequest request) {
        return result(processor.authorize(request.idempotencyKey(), request.paymentId(), request.amount(),
                request.currency(), request.paymentMethod(), request.capture()));
    }

    @Override
    public Result capture(String authorizationReference, long amount, String currency, String idempotencyKey) {
        return result(processor.capture(authorizationReference, amount, currency, idempotencyKey));
    }

    @Override
    public Result voidAuthorization(String authorizationReference, String idempotencyKey) {
        return result(processor.voidAuthorization(authorizationReference, idempotencyKey));
    }

    @Override
    public Result refund(String authorizationReference, long amount, String currency, String idempotencyKey) {
        return result(processor.refund(authorizationReference, amount, currency, idempotencyKey));
    }

    @Override
    public Result lookup(String idempotencyKey) {
        return result(processor.lookup(idempotencyKey));
    }

    private static Result result(Answer answer) {
        return answer.late() ? new Result.Unknown("processor did not answer in time") : result(answer.outcome());
    }

    private static Result result(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Approved a -> new Result.Approved(a.reference());
            case Outcome.Declined d -> new Result.Declined(d.reason());
            case Outcome.Failed f -> new Result.Failed(f.reason());
            case Outcome.NotFound n -> new Result.NotFound();
            case Outcome.Unavailable u -> new Result.Unknown("processor unreachable");
        };
    }

    // ---- the model's scripting and observations ---------------------------------------------------------------

    /** The model itself, for anything not passed through below. */
    public InMemoryProcessor model() {
        return processor;
    }

    /** See {@link InMemoryProcessor#failNextFollowUp}. */
    public void failNextFollowUp(FollowUpFailure failure) {
        processor.failNextFollowUp(failure);
    }

    /** While true, {@link #lookup} answers {@code Unknown}, as the HTTP adapter does when the processor is down. */
    public void lookupsUnavailable(boolean unavailable) {
        processor.lookupsUnavailable(unavailable);
    }

    public int authorizations() {
        return processor.authorizations();
    }

    public int captures() {
        return processor.captures();
    }

    public int voids() {
        return processor.voids();
    }

    public int refunds() {
        return processor.refunds();
    }

    public long refundedAmount() {
        return processor.refundedAmount();
    }

    public List<Call> calls() {
        return processor.calls();
    }

    public List<Call> calls(Kind kind) {
        return processor.calls(kind);
    }

    /** Authorization calls received, including duplicates of an earlier key. */
    public int authorizeCalls() {
        return processor.calls(Kind.AUTHORIZE).size();
    }

    /** The recorded outcome of {@code key} as the port would report it, without counting as a call. */
    public Result recorded(String key) {
        return result(processor.recorded(key));
    }
}
