package com.acme.payments.histories;

import com.acme.payments.port.PaymentProcessor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A card processor with its own ledger whose timing the test scripts call by call, so that a history from the issue
 * can be replayed step by step on one thread (or on two, where a history needs a request parked mid-way).
 *
 * <p>Like a real processor it is idempotent per key: a call with a key it has recorded gets the recorded answer and
 * moves no money. What a test can script, per kind of call, for the next calls to arrive ({@link #script}):
 * <ul>
 *   <li>whether the call reaches the processor at all ({@link Script#neverArrives()});</li>
 *   <li>what happens while the call is on its way, before the processor records it
 *       ({@link Script#whileInFlight}): another request runs there, and a lookup made then finds nothing;</li>
 *   <li>the decision ({@link Script#declines()}; approval by default);</li>
 *   <li>what the caller gets: the answer, nothing ({@link Script#answerLost()}: {@code Unknown}, the processor
 *       acted), or nothing ever because the caller dies ({@link Script#callerDies()}).</li>
 * </ul>
 * A lookup answers from the ledger; {@link #beforeNextLookup} runs code in a lookup before it answers (to park a
 * reader that already took its snapshot).
 */
final class ScriptedProcessor implements PaymentProcessor {

    /** The money-moving calls. */
    enum Kind { AUTHORIZE, CAPTURE, VOID, REFUND }

    /** What the caller gets back. */
    enum Delivery { ANSWERED, LOST, CALLER_DIES }

    /** One call as it reached (or failed to reach) the processor. */
    record Call(Kind kind, String key, String paymentId, String reference, long amount, boolean arrived) { }

    /** What happens to one call. Immutable; the static factory is the default: arrives, approved, answered. */
    record Script(boolean arrives, boolean decline, Consumer<Call> inFlight, Delivery delivery) {
        static Script approves() {
            return new Script(true, false, null, Delivery.ANSWERED);
        }

        Script declines() {
            return new Script(arrives, true, inFlight, delivery);
        }

        /** The call is lost on the way: the processor never sees it. */
        Script neverArrives() {
            return new Script(false, decline, inFlight, delivery == Delivery.ANSWERED ? Delivery.LOST : delivery);
        }

        /** The caller times out: it gets {@code Unknown}, whatever the processor did. */
        Script answerLost() {
            return new Script(arrives, decline, inFlight, Delivery.LOST);
        }

        /** The caller dies waiting (after the processor acted, if the call arrives). */
        Script callerDies() {
            return new Script(arrives, decline, inFlight, Delivery.CALLER_DIES);
        }

        /** Runs {@code step} while the call is on its way: after it left the caller, before the processor records it. */
        Script whileInFlight(Consumer<Call> step) {
            return new Script(arrives, decline, step, delivery);
        }
    }

    /** One authorization in the processor's ledger: what it reserved and what happened to that money since. */
    static final class Authorization {
        final String paymentId;
        final long amount;
        long captured;
        boolean voided;
        long refunded;

        Authorization(String paymentId, long amount) {
            this.paymentId = paymentId;
            this.amount = amount;
        }
    }

    private record Recorded(Kind kind, Result result) { }

    private final Map<Kind, Deque<Script>> scripts = new EnumMap<>(Kind.class);
    private final Deque<Runnable> lookupSteps = new ArrayDeque<>();
    private final Map<String, Recorded> operations = new HashMap<>();
    private final Map<String, Authorization> authorizations = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final List<String> lookups = new ArrayList<>();
    private int references;

    // ---- scripting ---------------------------------------------------------------------------------------------

    /** The next calls of {@code kind} to be sent, in order, follow these scripts; later ones are approved. */
    synchronized void script(Kind kind, Script... next) {
        scripts.computeIfAbsent(kind, k -> new ArrayDeque<>()).addAll(List.of(next));
    }

    /** Runs {@code step} inside the next lookup, before the processor answers it. */
    synchronized void beforeNextLookup(Runnable step) {
        lookupSteps.add(step);
    }

    // ---- the port ----------------------------------------------------------------------------------------------

    @Override
    public Result authorize(AuthorizeRequest request) {
        return send(new Call(Kind.AUTHORIZE, request.idempotencyKey(), request.paymentId(), null, request.amount(),
                true), request.capture());
    }

    @Override
    public Result capture(String reference, long amount, String currency, String idempotencyKey) {
        return send(new Call(Kind.CAPTURE, idempotencyKey, null, reference, amount, true), false);
    }

    @Override
    public Result voidAuthorization(String reference, String idempotencyKey) {
        return send(new Call(Kind.VOID, idempotencyKey, null, reference, 0, true), false);
    }

    @Override
    public Result refund(String reference, long amount, String currency, String idempotencyKey) {
        return send(new Call(Kind.REFUND, idempotencyKey, null, reference, amount, true), false);
    }

    @Override
    public Result lookup(String idempotencyKey) {
        Runnable step;
        synchronized (this) {
            lookups.add(idempotencyKey);
            step = lookupSteps.poll();
        }
        if (step != null) {
            step.run();
        }
        synchronized (this) {
            Recorded recorded = operations.get(idempotencyKey);
            return recorded == null ? new Result.NotFound() : recorded.result();
        }
    }

    private Result send(Call call, boolean captureOnAuthorize) {
        Script script;
        synchronized (this) {
            Deque<Script> queue = scripts.get(call.kind());
            script = queue == null || queue.isEmpty() ? Script.approves() : queue.poll();
        }
        if (script.inFlight() != null) {
            // Not recorded yet: whatever runs here (a reconciling GET, say) finds no trace of this call.
            script.inFlight().accept(call);
        }
        Result result;
        synchronized (this) {
            calls.add(new Call(call.kind(), call.key(), call.paymentId(), call.reference(), call.amount(),
                    script.arrives()));
            result = script.arrives() ? decide(call, script.decline(), captureOnAuthorize) : null;
        }
        return switch (script.delivery()) {
            case CALLER_DIES -> throw new Crash("waiting for the processor's answer to " + call.key());
            case LOST -> new Result.Unknown("processor did not answer in time");
            case ANSWERED -> Objects.requireNonNull(result, "a call that never arrives cannot be answered");
        };
    }

    /** The processor's decision for an arriving call: the recorded one for a known key, else a new one. */
    private Result decide(Call call, boolean decline, boolean captureOnAuthorize) {
        Recorded recorded = operations.get(call.key());
        if (recorded != null) {
            return recorded.result();
        }
        Result result;
        if (call.kind() == Kind.AUTHORIZE) {
            if (decline) {
                result = new Result.Declined("card_declined");
            } else {
                String reference = "auth_" + ++references;
                Authorization auth = new Authorization(call.paymentId(), call.amount());
                auth.captured = captureOnAuthorize ? call.amount() : 0;
                authorizations.put(reference, auth);
                result = new Result.Approved(reference);
            }
        } else {
            Authorization auth = call.reference() == null ? null : authorizations.get(call.reference());
            if (auth == null) {
                return new Result.Failed("unknown_authorization"); // refused without recording, like the stub
            }
            result = decline ? new Result.Declined("do_not_honor") : move(call, auth);
        }
        operations.put(call.key(), new Recorded(call.kind(), result));
        return result;
    }

    private Result move(Call call, Authorization auth) {
        switch (call.kind()) {
            case CAPTURE -> {
                if (auth.voided || auth.captured > 0 || call.amount() > auth.amount) {
                    return new Result.Declined("invalid_capture");
                }
                auth.captured = call.amount();
            }
            case VOID -> {
                if (auth.captured > 0) {
                    return new Result.Declined("already_captured");
                }
                auth.voided = true;
            }
            case REFUND -> {
                if (auth.refunded + call.amount() > auth.captured) {
                    return new Result.Declined("exceeds_captured");
                }
                auth.refunded += call.amount();
            }
            default -> throw new IllegalArgumentException(call.kind().name());
        }
        return new Result.Approved(call.kind().name().toLowerCase(java.util.Locale.ROOT) + "_" + ++references);
    }

    // ---- the ledger, for assertions ----------------------------------------------------------------------------

    /** Approved authorizations the processor holds for {@code paymentId} (money reserved on the card). */
    synchronized List<Authorization> authorizationsOf(String paymentId) {
        return authorizations.values().stream().filter(a -> a.paymentId.equals(paymentId)).toList();
    }

    /** The one authorization of {@code paymentId}; fails the test if there is none or more than one. */
    synchronized Authorization authorizationOf(String paymentId) {
        List<Authorization> found = authorizationsOf(paymentId);
        if (found.size() != 1) {
            throw new AssertionError("expected one authorization of " + paymentId + ", the processor holds "
                    + found.size());
        }
        return found.getFirst();
    }

    /** Every approved authorization, of any payment. */
    synchronized int authorizationCount() {
        return authorizations.size();
    }

    /** Every call that was sent, arrived or not, in order. */
    synchronized List<Call> calls(Kind kind) {
        return calls.stream().filter(c -> c.kind() == kind).toList();
    }

    /** Keys looked up so far, in order. */
    synchronized List<String> lookups() {
        return List.copyOf(lookups);
    }
}
