package com.acme.payments.testsupport;

import com.acme.payments.port.HealthProbe;

/** Health probes for tests: a name and what checking does. */
public final class Probes {
    private Probes() {
    }

    public static HealthProbe probe(String name, Runnable check) {
        return new HealthProbe() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void check() {
                check.run();
            }
        };
    }
}
