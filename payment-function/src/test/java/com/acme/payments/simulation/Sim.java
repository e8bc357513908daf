package com.acme.payments.simulation;

import com.acme.payments.testsupport.MutableClock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;

/**
 * The deterministic world of one history: one seeded PRNG, a simulated clock, and a cooperative scheduler.
 *
 * <p>Every actor (a client, the reconciler) runs the real code on its own virtual thread, but only one runs at a
 * time: at every I/O step ({@link #step}) the running actor hands control back and the scheduler picks, with the
 * PRNG, which actor goes next, how far the clock moves, and whether the resumed request dies right there
 * ({@link Crash}). Threads only carry stacks; every choice comes from the seed, so a seed replays exactly.
 */
final class Sim {
    /** A request that stops dead (Lambda timeout, killed environment): no finally-cleanup, no answer. */
    static final class Crash extends Error {
        Crash() {
            super("simulated crash", null, false, false);
        }
    }

    final SplittableRandom rng;
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    final Trace trace;
    private final List<Actor> actors = new ArrayList<>();
    private final Semaphore schedulerTurn = new Semaphore(0);
    private final List<Runnable> tickListeners = new ArrayList<>();
    private Actor current;
    private boolean chaos = true;
    private int steps;
    private final int chaosSteps;
    int crashes;

    Sim(long seed, Trace trace) {
        this.rng = new SplittableRandom(seed);
        this.trace = trace;
        this.chaosSteps = 150 + rng.nextInt(600);
    }

    /** Whether faults are still being injected (they stop after a seeded number of steps, so histories end). */
    boolean chaos() {
        return chaos;
    }

    /** True with probability {@code p}, and only while faults are on. */
    boolean fault(double p) {
        return chaos && rng.nextDouble() < p;
    }

    /** Stops injecting faults now (the clients are done: what is left is settling). */
    void endChaos() {
        if (chaos) {
            chaos = false;
            trace.add(clock.instant(), "sim", "faults off");
        }
    }

    boolean chance(double p) {
        return rng.nextDouble() < p;
    }

    int between(int lowInclusive, int highInclusive) {
        return lowInclusive + rng.nextInt(highInclusive - lowInclusive + 1);
    }

    void onTick(Runnable listener) {
        tickListeners.add(listener);
    }

    final class Actor {
        final String name;
        final Semaphore turn = new Semaphore(0);
        boolean done;
        boolean inRequest;
        Instant requestStart;
        boolean crashNext;
        Instant wakeAt;
        Throwable failure;

        Actor(String name) {
            this.name = name;
        }
    }

    void spawn(String name, Runnable body) {
        Actor actor = new Actor(name);
        actors.add(actor);
        Thread.ofVirtual().name(name).start(() -> {
            actor.turn.acquireUninterruptibly();
            try {
                body.run();
            } catch (Throwable e) {
                actor.failure = e;
            } finally {
                actor.done = true;
                schedulerTurn.release();
            }
        });
    }

    /** A scheduling point: the running actor yields; when resumed, it may be crashed. */
    void step() {
        Actor me = current;
        schedulerTurn.release();
        me.turn.acquireUninterruptibly();
        if (me.crashNext) {
            me.crashNext = false;
            throw new Crash();
        }
    }

    /** The running actor waits {@code duration} of simulated time. */
    void sleep(Duration duration) {
        current.wakeAt = clock.instant().plus(duration);
        step();
    }

    /** Marks whether the running actor is inside a request (only then can a crash hit it). */
    void inRequest(boolean value) {
        current.inRequest = value;
        current.requestStart = clock.instant();
    }

    /** The function timeout: a request still running after this is killed at its next step, as Lambda does. */
    static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(30);

    /** Runs every actor to completion. */
    void run() {
        while (true) {
            List<Actor> live = actors.stream().filter(a -> !a.done).toList();
            if (live.isEmpty()) {
                return;
            }
            Instant now = clock.instant();
            List<Actor> ready = live.stream().filter(a -> a.wakeAt == null || !a.wakeAt.isAfter(now)).toList();
            if (ready.isEmpty()) {
                Instant next = live.stream().map(a -> a.wakeAt).min(Instant::compareTo).orElseThrow();
                clock.set(next);
                tick();
                continue;
            }
            if (++steps > chaosSteps && chaos) {
                chaos = false;
                trace.add(now, "sim", "faults off");
            }
            if (steps > 200_000) {
                throw new IllegalStateException("history did not end after 200000 steps");
            }
            Actor next = ready.get(rng.nextInt(ready.size()));
            next.wakeAt = null;
            if (next.inRequest && next.requestStart.plus(FUNCTION_TIMEOUT).isBefore(now)) {
                next.crashNext = true;
                crashes++;
                trace.add(now, next.name, "KILLED at the function timeout");
            } else if (next.inRequest && fault(0.01)) {
                next.crashNext = true;
                crashes++;
                trace.add(now, next.name, "CRASH");
            }
            clock.advance(Duration.ofMillis(rng.nextInt(300)));
            tick();
            current = next;
            next.turn.release();
            schedulerTurn.acquireUninterruptibly();
            if (next.failure != null) {
                throw new IllegalStateException("actor " + next.name + " failed", next.failure);
            }
        }
    }

    private void tick() {
        for (Runnable listener : tickListeners) {
            listener.run();
        }
    }

    int steps() {
        return steps;
    }

    /** A short, readable record of what happened, printed for a failing seed. */
    static final class Trace {
        private final List<String> lines = new ArrayList<>();
        private final Instant start = Instant.parse("2026-03-01T12:00:00Z");
        private final boolean enabled;

        Trace(boolean enabled) {
            this.enabled = enabled;
        }

        void add(Instant at, String who, String what) {
            if (enabled) {
                lines.add(String.format("%8.1fs %-10s %s", Duration.between(start, at).toMillis() / 1000.0, who, what));
            }
        }

        /** For lines that cost something to build: built only when tracing. */
        void add(Instant at, String who, java.util.function.Supplier<String> what) {
            if (enabled) {
                add(at, who, what.get());
            }
        }

        List<String> lines() {
            return lines;
        }
    }
}
