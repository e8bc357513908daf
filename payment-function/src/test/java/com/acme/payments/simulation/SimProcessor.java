package com.acme.payments.simulation;

import com.acme.payments.port.PaymentProcessor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The card processor with its own ledger, the truth every history is checked against. Idempotent by key: the first
 * execution of a key decides, every later call with that key gets the same answer. Faults (while the sim's chaos
 * lasts): the call is refused before it is sent (connection refused: a definitive failure, nothing recorded), times
 * out before acting or after acting (unknown), or lands late (recorded up to {@link #MAX_LANDING_DELAY} after it
 * was sent; lookups before then find nothing). Lookups can time out too.
 */
final class SimProcessor implements PaymentProcessor {
    /** The processor records every call within this time of its send (the assumption the grace period rests on). */
    static final Duration MAX_LANDING_DELAY = Duration.ofSeconds(30);

    /** One authorization and what happened to it since. */
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

    private final Sim sim;
    /**
     * A client that fails open (reads a lost answer as "failed, nothing done"), as the processor client once did.
     * Only for checking that the simulator catches it.
     */
    boolean failOpen;
    /** Answers by idempotency key: what a lookup returns and what a re-send replays. */
    final Map<String, Result> executed = new LinkedHashMap<>();
    /** Authorizations by reference. */
    final Map<String, Authorization> authorizations = new LinkedHashMap<>();
    private final List<Landing> inFlight = new ArrayList<>();
    private int references;
    int lostAnswers;

    private record Landing(Instant at, String key, java.util.function.Supplier<Result> execution) { }

    SimProcessor(Sim sim) {
        this.sim = sim;
        sim.onTick(this::landDue);
    }

    @Override
    public Result authorize(AuthorizeRequest request) {
        return call(request.idempotencyKey(), () -> {
            if (request.paymentMethod().contains("decline") || sim.chance(0.08)) {
                // Now and then a processor sends an essay: items must stay bounded whatever it sends.
                return new Result.Declined(sim.chance(0.2) ? "do_not_honor ".repeat(400) : "do_not_honor");
            }
            if (sim.chance(0.04)) {
                return new Result.Failed("issuer_unavailable");
            }
            String reference = "auth_" + (++references);
            Authorization auth = new Authorization(request.paymentId(), request.amount());
            if (request.capture()) {
                auth.captured = request.amount();
            }
            authorizations.put(reference, auth);
            return new Result.Approved(reference);
        });
    }

    @Override
    public Result capture(String reference, long amount, String currency, String key) {
        return call(key, () -> {
            Authorization auth = authorizations.get(reference);
            if (auth == null || auth.voided || auth.captured > 0 || amount > auth.amount || sim.chance(0.05)) {
                return new Result.Declined("capture_refused");
            }
            auth.captured = amount;
            return new Result.Approved(reference + ":cap");
        });
    }

    @Override
    public Result voidAuthorization(String reference, String key) {
        return call(key, () -> {
            Authorization auth = authorizations.get(reference);
            if (auth == null || auth.voided || auth.captured > 0 || sim.chance(0.05)) {
                return new Result.Declined("void_refused");
            }
            auth.voided = true;
            return new Result.Approved(reference + ":void");
        });
    }

    @Override
    public Result refund(String reference, long amount, String currency, String key) {
        return call(key, () -> {
            Authorization auth = authorizations.get(reference);
            if (auth == null || auth.refunded + amount > auth.captured || sim.chance(0.05)) {
                return new Result.Declined("refund_refused");
            }
            auth.refunded += amount;
            return new Result.Approved(reference + ":re" + auth.refunded);
        });
    }

    @Override
    public Result lookup(String key) {
        sim.step();
        if (sim.fault(0.1)) {
            sim.trace.add(sim.clock.instant(), "processor", "lookup " + key + " timed out");
            return new Result.Unknown("lookup timed out");
        }
        Result answer = executed.get(key);
        sim.trace.add(sim.clock.instant(), "processor", "lookup " + key + " -> " + (answer == null ? "NotFound" : answer));
        sim.step();
        return answer == null ? new Result.NotFound() : answer;
    }

    /** One call: sent, maybe executed (now or later), answered or not. */
    private Result call(String key, java.util.function.Supplier<Result> execution) {
        sim.step();
        Instant now = sim.clock.instant();
        if (sim.fault(0.04)) {
            sim.trace.add(now, "processor", key + " connection refused (never sent)");
            return new Result.NotSent("processor unreachable");
        }
        if (sim.fault(0.03)) {
            // Refused in front of the processor's idempotency layer (a rate limit, a rotated API key): "failed",
            // whatever an earlier send of the same key did.
            sim.trace.add(now, "processor", key + " rejected at the edge (failed, ledger untouched)");
            return new Result.Failed("rate_limited");
        }
        if (sim.fault(0.04)) {
            sim.trace.add(now, "processor", key + " timed out before acting");
            lostAnswers++;
            return new Result.Unknown("timeout");
        }
        if (sim.fault(0.06)) {
            Instant at = now.plusMillis(1 + sim.rng.nextLong(MAX_LANDING_DELAY.toMillis()));
            inFlight.add(new Landing(at, key, execution));
            sim.trace.add(now, "processor", key + " in flight, lands at +" + Duration.between(now, at).toSeconds() + "s");
            lostAnswers++;
            return new Result.Unknown("timeout");
        }
        Result answer = execute(key, execution);
        if (sim.fault(0.05)) {
            sim.trace.add(now, "processor", key + " executed " + answer + ", answer lost");
            lostAnswers++;
            return failOpen ? new Result.Failed("processor error") : new Result.Unknown("timeout");
        }
        sim.step();
        return answer;
    }

    private Result execute(String key, java.util.function.Supplier<Result> execution) {
        Result existing = executed.get(key);
        if (existing != null) {
            return existing;
        }
        Result answer = execution.get();
        executed.put(key, answer);
        sim.trace.add(sim.clock.instant(), "processor", "executed " + key + " -> " + answer);
        return answer;
    }

    private void landDue() {
        Instant now = sim.clock.instant();
        for (Iterator<Landing> it = inFlight.iterator(); it.hasNext(); ) {
            Landing landing = it.next();
            if (!landing.at().isAfter(now)) {
                it.remove();
                execute(landing.key(), landing.execution());
            }
        }
    }

    boolean quiet() {
        return inFlight.isEmpty();
    }

    /** Approved answer for a key, or null. */
    Result.Approved approved(String key) {
        return executed.get(key) instanceof Result.Approved a ? a : null;
    }
}
