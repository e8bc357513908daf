package com.acme.payments.adapter.id;

import com.acme.payments.port.IdGenerator;
import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochRandomGenerator;

import java.security.SecureRandom;

/**
 * UUIDv7 ids (time-ordered, so listings and DynamoDB keys sort by creation). The generator and its
 * {@link SecureRandom} are created lazily on the first request, never during init: under SnapStart a generator
 * seeded before the snapshot would hand the same sequence to every restored environment.
 */
public final class TimeOrderedIdGenerator implements IdGenerator {
    private volatile TimeBasedEpochRandomGenerator generator;

    @Override
    public String paymentId() {
        return "pay_" + generator().generate();
    }

    @Override
    public String refundId() {
        return "re_" + generator().generate();
    }

    @Override
    public String attemptId() {
        return "att_" + generator().generate();
    }

    private TimeBasedEpochRandomGenerator generator() {
        TimeBasedEpochRandomGenerator g = generator;
        if (g == null) {
            synchronized (this) {
                g = generator;
                if (g == null) {
                    g = Generators.timeBasedEpochRandomGenerator(new SecureRandom());
                    generator = g;
                }
            }
        }
        return g;
    }

    /** Forgets the generator so the next id seeds a new one; called after a SnapStart restore. */
    public void reset() {
        generator = null;
    }
}
