package com.acme.payments.processordouble;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The card processor the tests and the local loop talk to, written once. Two thin adapters put it behind an
 * interface: {@code FakeProcessor} (shared's test support, the {@code PaymentProcessor} port in process) and
 * {@code StubProcessor} (local-runtime, the HTTP contract of {@code HttpPaymentProcessor}).
 *
 * <p>Approves by default; the payment-method token picks another outcome for an authorization:
 * <ul>
 *   <li>{@code tok_decline…}: {@code Declined("card_declined")}, recorded;</li>
 *   <li>{@code tok_error…}: {@code Failed("processor_error")}, nothing recorded (a retry is a fresh attempt);</li>
 *   <li>{@code tok_timeout…}: the charge IS made and recorded, but the answer is {@linkplain Answer#late() late}:
 *       the "charged but the answer was lost" case that only {@link #lookup} resolves.</li>
 * </ul>
 * {@link #failNextFollowUp} scripts the next capture, void or refund the same way.
 *
 * <p>Like a real processor it is idempotent per key: the first call with a key is decided exactly once (also
 * under concurrency) and every later call with that key gets the recorded outcome, on time, and moves no money.
 * The counters count distinct approved money movements; {@link #calls()} records every call as received,
 * duplicates included. Thread-safe.
 */
public final class InMemoryProcessor {

    /** What a call asked for. */
    public enum Kind { AUTHORIZE, CAPTURE, VOID, REFUND, LOOKUP }

    /** How the next first-time capture, void or refund goes wrong. */
    public enum FollowUpFailure {
        /** {@code Declined("do_not_honor")}, recorded. */
        DECLINE,
        /** {@code Failed("processor_unavailable")}, nothing recorded. */
        ERROR,
        /** Done and recorded, but the answer is late. */
        TIMEOUT
    }

    /** What the processor decided. */
    public sealed interface Outcome {
        /** Done; {@code reference} names the authorization (or the capture, void, refund). Recorded. */
        record Approved(String reference) implements Outcome { }

        /** Refused by the card's issuer. Recorded. */
        record Declined(String reason) implements Outcome { }

        /** Nothing was done, and nothing is recorded: the same key may be tried again. */
        record Failed(String reason) implements Outcome { }

        /** Only from {@link #lookup}: no call with this key was ever recorded. */
        record NotFound() implements Outcome { }

        /** Only from {@link #lookup} while {@linkplain #lookupsUnavailable lookups are unavailable}: no answer. */
        record Unavailable() implements Outcome { }
    }

    /** Reasons of {@link Outcome.Failed}, which an adapter may map to its own error answers. */
    public static final String PROCESSOR_ERROR = "processor_error";
    public static final String PROCESSOR_UNAVAILABLE = "processor_unavailable";
    public static final String UNKNOWN_AUTHORIZATION = "unknown_authorization";

    /**
     * The answer to one call. {@code late}: the work is done and recorded, but the answer comes after any
     * sensible client timeout (an in-process adapter reports "unknown", an HTTP adapter answers slowly).
     */
    public record Answer(Outcome outcome, boolean late) {
        static Answer onTime(Outcome outcome) {
            return new Answer(outcome, false);
        }
    }

    /** One call as received. {@code reference} is the caller's payment id for AUTHORIZE, else the authorization. */
    public record Call(Kind kind, String idempotencyKey, String reference, long amount, Answer answer) { }

    /** What the first call with a key records (null: nothing) and what that first caller is told. */
    private record Decision(Outcome recorded, Answer answer) {
        static Decision recorded(Outcome outcome) {
            return new Decision(outcome, Answer.onTime(outcome));
        }

        static Decision recordedButLate(Outcome outcome) {
            return new Decision(outcome, new Answer(outcome, true));
        }

        static Decision notRecorded(Outcome outcome) {
            return new Decision(null, Answer.onTime(outcome));
        }
    }

    private final Map<String, Outcome> operations = new ConcurrentHashMap<>();
    private final Set<String> liveAuthorizations = ConcurrentHashMap.newKeySet();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger authorizations = new AtomicInteger();
    private final AtomicInteger captures = new AtomicInteger();
    private final AtomicInteger voids = new AtomicInteger();
    private final AtomicInteger refunds = new AtomicInteger();
    private final AtomicLong refundedAmount = new AtomicLong();
    private final AtomicReference<FollowUpFailure> nextFollowUp = new AtomicReference<>();
    private final AtomicBoolean lookupsUnavailable = new AtomicBoolean();

    /**
     * Reserves (or, with {@code capture}, charges) {@code amount}.
     *
     * @param paymentReference the caller's own id for the payment, kept only to describe the call
     */
    public Answer authorize(String idempotencyKey, String paymentReference, long amount, String currency,
                            String paymentMethod, boolean capture) {
        Answer answer = once(idempotencyKey, () -> {
            String token = paymentMethod == null ? "" : paymentMethod;
            if (token.startsWith("tok_error")) {
                return Decision.notRecorded(new Outcome.Failed(PROCESSOR_ERROR));
            }
            if (token.startsWith("tok_decline")) {
                return Decision.recorded(new Outcome.Declined("card_declined"));
            }
            Outcome.Approved approved = new Outcome.Approved(newReference("auth_"));
            liveAuthorizations.add(approved.reference());
            authorizations.incrementAndGet();
            return token.startsWith("tok_timeout") ? Decision.recordedButLate(approved) : Decision.recorded(approved);
        });
        calls.add(new Call(Kind.AUTHORIZE, idempotencyKey, paymentReference, amount, answer));
        return answer;
    }

    /** Captures {@code amount} of an approved authorization. */
    public Answer capture(String authorization, long amount, String currency, String idempotencyKey) {
        return followUp(Kind.CAPTURE, authorization, amount, idempotencyKey);
    }

    /** Releases an approved authorization. */
    public Answer voidAuthorization(String authorization, String idempotencyKey) {
        return followUp(Kind.VOID, authorization, 0, idempotencyKey);
    }

    /** Returns {@code amount} of a captured authorization to the card. */
    public Answer refund(String authorization, long amount, String currency, String idempotencyKey) {
        return followUp(Kind.REFUND, authorization, amount, idempotencyKey);
    }

    /**
     * The recorded outcome of an earlier call with this key, or {@link Outcome.NotFound} if none was recorded.
     * While {@linkplain #lookupsUnavailable lookups are unavailable}: {@link Outcome.Unavailable}.
     */
    public Answer lookup(String idempotencyKey) {
        Answer answer = Answer.onTime(lookupsUnavailable.get()
                ? new Outcome.Unavailable()
                : operations.getOrDefault(idempotencyKey, new Outcome.NotFound()));
        calls.add(new Call(Kind.LOOKUP, idempotencyKey, null, 0, answer));
        return answer;
    }

    private Answer followUp(Kind kind, String authorization, long amount, String idempotencyKey) {
        Answer answer = once(idempotencyKey, () -> {
            if (authorization == null || !liveAuthorizations.contains(authorization)) {
                return Decision.notRecorded(new Outcome.Failed(UNKNOWN_AUTHORIZATION));
            }
            // Consumed only by a first-time call with a known authorization: a replay is answered from the record.
            FollowUpFailure failure = nextFollowUp.getAndSet(null);
            if (failure == FollowUpFailure.ERROR) {
                return Decision.notRecorded(new Outcome.Failed(PROCESSOR_UNAVAILABLE));
            }
            if (failure == FollowUpFailure.DECLINE) {
                return Decision.recorded(new Outcome.Declined("do_not_honor"));
            }
            Outcome.Approved approved = new Outcome.Approved(newReference(prefix(kind)));
            switch (kind) {
                case CAPTURE -> captures.incrementAndGet();
                case VOID -> voids.incrementAndGet();
                case REFUND -> {
                    refunds.incrementAndGet();
                    refundedAmount.addAndGet(amount);
                }
                default -> throw new IllegalArgumentException(kind.name());
            }
            return failure == FollowUpFailure.TIMEOUT ? Decision.recordedButLate(approved) : Decision.recorded(approved);
        });
        calls.add(new Call(kind, idempotencyKey, authorization, amount, answer));
        return answer;
    }

    /**
     * Decides the first call with {@code key} exactly once, even under concurrency: computeIfAbsent runs the
     * decision (and its counter increments) atomically per key. Later calls get the recorded outcome on time.
     * An outcome that is not recorded leaves the key free, so a retry is decided afresh.
     */
    private Answer once(String key, Supplier<Decision> firstCall) {
        Answer[] first = new Answer[1];
        Outcome recorded = operations.computeIfAbsent(key, k -> {
            Decision decision = firstCall.get();
            first[0] = decision.answer();
            return decision.recorded();
        });
        return first[0] != null ? first[0] : Answer.onTime(recorded);
    }

    /**
     * References are unique across processor instances too: the local loop keeps payments in the emulator while
     * the stub restarts, and a stored reference must never name another payment's authorization.
     */
    private static String newReference(String prefix) {
        return prefix + UUID.randomUUID();
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

    /** While true, {@link #lookup} answers {@link Outcome.Unavailable}: the processor cannot be asked. */
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

    /** The calls of one kind, in arrival order. */
    public List<Call> calls(Kind kind) {
        return calls.stream().filter(c -> c.kind() == kind).toList();
    }

    /** The recorded outcome of {@code key} ({@link Outcome.NotFound} if none), without counting as a call. */
    public Outcome recorded(String key) {
        return operations.getOrDefault(key, new Outcome.NotFound());
    }
}
