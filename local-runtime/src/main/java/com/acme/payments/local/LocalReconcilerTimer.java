package com.acme.payments.local;

import com.acme.payments.function.FunctionWiring;
import com.acme.payments.service.Reconciler;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The EventBridge schedule of template.yaml's ReconcilerFunction, for {@code make local}: runs the same
 * {@link Reconciler} the deployed ReconcilerHandler runs, on a timer, in one region (it settles nothing where the
 * region does not take writes: the write fence). A run
 * that fails is logged and the next one picks the work up again, as in AWS.
 */
final class LocalReconcilerTimer implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "local-reconciler");
        t.setDaemon(true);
        return t;
    });

    LocalReconcilerTimer(Map<String, String> functionEnv, long periodSeconds) {
        Reconciler reconciler = FunctionWiring.fromEnvironment(functionEnv).reconciler();
        timer.scheduleWithFixedDelay(() -> {
            try {
                Reconciler.Report report = reconciler.run(50);
                if (report.examined() > 0) {
                    System.out.println("reconciler: examined " + report.examined() + ", settled " + report.settled()
                            + ", still pending " + report.stillPending() + ", failed " + report.failed());
                }
            } catch (RuntimeException e) {
                System.out.println("reconciler: run failed (" + e.getClass().getSimpleName() + "); next run retries");
            }
        }, periodSeconds, periodSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
