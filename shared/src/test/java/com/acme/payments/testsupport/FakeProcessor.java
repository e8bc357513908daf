package com.acme.payments.testsupport;

import com.acme.payments.port.PaymentProcessor;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * An in-process card processor with the behaviour of local-runtime's {@code StubProcessor}, minus HTTP.
 *
 * <p>Approves by default; the payment-method token picks another outcome for an authorization:
 * <ul>
 *   <li>{@code tok_decline…}: {@code Declined("card_declined")}, recorded;</li>
 *   <li>{@code tok_error…}: {@code Failed}, nothing recorded (a retry is a fresh attempt);</li>
 *   <li>{@code tok_timeout…}: the charge IS made and recorded, but the caller gets {@code Unknown}: the "charged
 *       but the answer was lost" case that only {@link #lookup} can resolve.</li>
 * </ul>
 * {@link #failNextFollowUp} scripts the next capture, void or refund the same way.
 *
 * <p>Like a real processor it is idempotent per key: a repeated key gets the first recorded answer and moves no
 * money. The counters ({@link #authorizations()}, {@link #captures()}, …) count distinct approved money movements;
 * {@link #calls()} records every call as received, duplicates included. Thread-safe.
 */
public final class FakeProcessor implements PaymentProcessor {

    /** What a call asked for. */
    public enum Kind { AUTHORIZE, CAPTURE, VOID, REFUND, LOOKUP }

    /** How the next capture, void or refund goes wrong. */
    public enum FollowUpFailure {
        /** {@code Declined("do_not_honor")}, recorded. */
        DECLINE,
        /** {@code Failed("processor_unavailable")}, nothing recorded. */
        ERROR,
        /** Done and recorded, but answered {@code Unknown}. */
        TIMEOUT
    }

    /** One call as received, with the answer the caller got. {@code reference} is the payment id for AUTHORIZE. */
    public record Call(Kind kind, String idempotencyKey, String reference, long amount, Result result) { }

    /** What the first call with a key records (null: nothing) and what its caller is told. */
    private record Answer(Result recorded, Result returned) {
        static Answer recorded(Result result) {
            return new Answer(result, result);
        }

        static Answer notRecorded(Result result) {
            return new Answer(null, result);
        }
    }

    private final Map<String, Result> operations = new ConcurrentHashMap<>();
    private final Set<String> liveAuthorizations = ConcurrentHashMap.newKeySet();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger authorizations = new AtomicInteger();
    private final AtomicInteger captures = new AtomicInteger();
    private final AtomicInteger voids = new AtomicInteger();
    private final AtomicInteger refunds = new AtomicInteger();
    private final AtomicLong refundedAmount = new AtomicLong();
    private final AtomicInteger references = new AtomicInteger();
    private final AtomicReference<FollowUpFailure> nextFollowUp = new AtomicReference<>();
    private final AtomicBoolean lookupsUnavailable = new AtomicBoolean();

    @Override
    public Result authorize(AuthorizeRequest request) {
        Result result = once(request.idempotencyKey(), () -> {
            String token = request.paymentMethod() == null ? "" : request.paymentMethod();
            if (token.startsWith("tok_error")) {
                return Answer.notRecorded(new Result.Failed("processor_error"));
            }
            if (token.startsWith("tok_decline")) {
                return Answer.recorded(new Result.Declined("card_declined"));
            }
            Result.Approved approved = new Result.Approved("auth_" + references.incrementAndGet());
            liveAuthorizations.add(approved.reference());
            authorizations.incrementAndGet();
            return token.startsWith("tok_timeout")
                    ? new Answer(approved, new Result.Unknown("processor did not answer in time"))
                    : Answer.recorded(approved);
        });
        calls.add(new Call(Kind.AUTHORIZE, request.idempotencyKey(), request.paymentId(), request.amount(), result));
        return result;
    }

    @Override
    public Result capture(String authorizationReference, long amount, String currency, String idempotencyKey) {
        return followUp(Kind.CAPTURE, authorizationReference, amount, idempotencyKey);
    }

    @Override
    public Result voidAuthorization(String authorizationReference, String idempotencyKey) {
        return followUp(Kind.VOID, authorizationReference, 0, idempotencyKey);
    }

    @Override
    public Result refund(String authorizationReference, long amount, String currency, String idempotencyKey) {
        return followUp(Kind.REFUND, authorizationReference, amount, idempotencyKey);
    }

    @Override
    public Result lookup(String idempotencyKey) {
        Result result = lookupsUnavailable.get()
                ? new Result.Unknown("processor unreachable")
                : operations.getOrDefault(idempotencyKey, new Result.NotFound());
        calls.add(new Call(Kind.LOOKUP, idempotencyKey, null, 0, result));
        return result;
    }

    private Result followUp(Kind kind, String reference, long amount, String key) {
        Result result = once(key, () -> {
            if (reference == null || !liveAuthorizations.contains(reference)) {
                return Answer.notRecorded(new Result.Failed("unknown_authorization"));
            }
            // Consumed only by a first-time call: a duplicate key is answered from the record, as in the stub.
            FollowUpFailure failure = nextFollowUp.getAndSet(null);
            if (failure == FollowUpFailure.ERROR) {
                return Answer.notRecorded(new Result.Failed("processor_unavailable"));
            }
            if (failure == FollowUpFailure.DECLINE) {
                return Answer.recorded(new Result.Declined("do_not_honor"));
            }
            Result.Approved approved = new Result.Approved(prefix(kind) + references.incrementAndGet());
            switch (kind) {
                case CAPTURE -> captures.incrementAndGet();
                case VOID -> voids.incrementAndGet();
                case REFUND -> {
                    refunds.incrementAndGet();
                    refundedAmount.addAndGet(amount);
                }
                default -> throw new IllegalArgumentException(kind.name());
            }
            return failure == FollowUpFailure.TIMEOUT
                    ? new Answer(approved, new Result.Unknown("processor did not answer in time"))
                    : Answer.recorded(approved);
        });
        calls.add(new Call(kind, key, reference, amount, result));
        return result;
    }

    /**
     * Decides the first call with {@code key} exactly once, even under concurrency: computeIfAbsent runs the
     * decision (and its counter increments) atomically per key. Later calls get the recorded result.
     */
    private Result once(String key, Supplier<Answer> firstCall) {
        Result[] returned = new Result[1];
        Result recorded = operations.computeIfAbsent(key, k -> {
            Answer answer = firstCall.get();
            returned[0] = answer.returned();
            return answer.recorded();
        });
        return returned[0] != null ? returned[0] : recorded;
    }

    private static String prefix(Kind kind) {
        return switch (kind) {
            case CAPTURE -> "cap_";
            case VOID -> "void_";
            case REFUND -> "ref_";
            default -> throw new IllegalArgumentException(kind.name());
        };
    }

    // ---- scripting -------------------------------------------------------------------------------------------

    /** Makes the next first-time capture, void or refund go wrong as described by {@code failure}. */
    public void failNextFollowUp(FollowUpFailure failure) {
        nextFollowUp.set(failure);
    }

    /** While true, {@link #lookup} answers {@code Unknown}, as the HTTP adapter does when the processor is down. */
    public void lookupsUnavailable(boolean unavailable) {
        lookupsUnavailable.set(unavailable);
    }

    // ---- observations ----------------------------------------------------------------------------------------

    /** Distinct approved authorizations (money reserved). */
    public int authorizations() {
        return authorizations.get();
    }

    /** Distinct approved captures. */
    public int captures() {
        return captures.get();
    }

    /** Distinct approved voids. */
    public int voids() {
        return voids.get();
    }

    /** Distinct approved refunds. */
    public int refunds() {
        return refunds.get();
    }

    /** Sum of the distinct approved refunds: the money that actually went back to the card. */
    public long refundedAmount() {
        return refundedAmount.get();
    }

    /** Every call as received, duplicates and lookups included, in arrival order. */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(Kind kind) {
        return calls.stream().filter(c -> c.kind() == kind).toList();
    }

    /** Authorization calls received, including duplicates of an earlier key. */
    public int authorizeCalls() {
        return calls(Kind.AUTHORIZE).size();
    }

    /** The recorded outcome of {@code key}, without counting as a call. */
    public Result recorded(String key) {
        return operations.getOrDefault(key, new Result.NotFound());
    }
}
