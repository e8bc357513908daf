package com.acme.payments.service;

import com.acme.payments.port.HealthProbe;
import com.acme.payments.testsupport.InMemoryActiveRegionSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static com.acme.payments.testsupport.Probes.probe;
import static org.assertj.core.api.Assertions.assertThat;

class HealthCheckTest {
    private static final Duration BUDGET = Duration.ofMillis(300);
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final InMemoryActiveRegionSource record = new InMemoryActiveRegionSource("us-east-1");

    private static void hang() {
        try {
            Thread.sleep(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HealthCheck check(String region, HealthProbe... probes) {
        return new HealthCheck(List.of(probes), record, region, BUDGET, threads, System::nanoTime);
    }

    @Test
    void allAnswer_andThisRegionIsActive_healthyAndWritable() {
        HealthCheck.Report report = check("us-east-1", probe("config", () -> { }), probe("table", () -> { })).run();
        assertThat(report.healthy()).isTrue();
        assertThat(report.writable()).isTrue();
        assertThat(report.fence().state()).isEqualTo(HealthCheck.FenceState.ACTIVE);
        assertThat(report.probes()).containsOnlyKeys("config", "table");
    }

    @Test
    void standbyAndFenced_areHealthy_butNotWritable() {
        HealthCheck.Report standby = check("us-east-2", probe("table", () -> { })).run();
        assertThat(standby.healthy()).isTrue();
        assertThat(standby.writable()).isFalse();
        assertThat(standby.fence().state()).isEqualTo(HealthCheck.FenceState.STANDBY);

        record.set(null, "us-east-2");
        HealthCheck.Report fenced = check("us-east-1", probe("table", () -> { })).run();
        assertThat(fenced.healthy()).isTrue();
        assertThat(fenced.fence().state()).isEqualTo(HealthCheck.FenceState.FENCED);
        assertThat(fenced.fence().record().orElseThrow().nextRegion()).isEqualTo("us-east-2");
    }

    @Test
    void aFailingProbe_makesItUnhealthy_andNamesTheFailureKindOnly() {
        HealthCheck.Report report = check("us-east-1", probe("config", () -> {
            throw new IllegalStateException("secret detail that must not show");
        }), probe("table", () -> { })).run();
        assertThat(report.healthy()).isFalse();
        assertThat(report.probes().get("config").reachable()).isFalse();
        assertThat(report.probes().get("config").failure()).isEqualTo("IllegalStateException");
        assertThat(report.probes().get("table").reachable()).isTrue();
    }

    @Test
    void hangingDependencies_areCutOffAtTheBudget() {
        InMemoryActiveRegionSource hangingRecord = new InMemoryActiveRegionSource("us-east-1");
        hangingRecord.beforeEachRead(HealthCheckTest::hang);
        HealthCheck check = new HealthCheck(List.of(probe("config", HealthCheckTest::hang),
                probe("table", HealthCheckTest::hang)), hangingRecord, "us-east-1", BUDGET, threads, System::nanoTime);
        long start = System.nanoTime();
        HealthCheck.Report report = check.run();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("probes run in parallel under one deadline").isBetween(BUDGET.toMillis() - 5,
                BUDGET.toMillis() + 250);
        assertThat(report.healthy()).isFalse();
        assertThat(report.probes().values()).allSatisfy(r -> assertThat(r.failure()).isEqualTo("timeout"));
        assertThat(report.fence().state()).isEqualTo(HealthCheck.FenceState.UNREADABLE);
    }

    @Test
    void noActiveRegionRecord_isUnhealthy_becauseNoRegionWouldEverWrite() {
        InMemoryActiveRegionSource none = new InMemoryActiveRegionSource(null);
        HealthCheck.Report report = new HealthCheck(List.of(probe("table", () -> { })), none, "us-east-1", BUDGET,
                threads, System::nanoTime).run();
        assertThat(report.healthy()).isFalse();
        assertThat(report.fence().state()).isEqualTo(HealthCheck.FenceState.MISSING);
    }

    @Test
    void anUnreadableRecord_isUnhealthy() {
        record.failing(true);
        HealthCheck.Report report = check("us-east-1", probe("table", () -> { })).run();
        assertThat(report.healthy()).isFalse();
        assertThat(report.fence().state()).isEqualTo(HealthCheck.FenceState.UNREADABLE);
    }
}
