package com.acme.payments.service;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.testsupport.InMemoryActiveRegionSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WriteFenceTest {
    private static final Duration TTL = Duration.ofSeconds(5);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final InMemoryActiveRegionSource record = new InMemoryActiveRegionSource("us-east-1");
    private final WriteFence east1 = new WriteFence(record, "us-east-1", TTL, nanos::get);
    private final WriteFence east2 = new WriteFence(record, "us-east-2", TTL, nanos::get);

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void onlyTheRecordedRegion_mayWrite() {
        assertThat(east1.check().allowed()).isTrue();
        WriteFence.Decision standby = east2.check();
        assertThat(standby.allowed()).isFalse();
        assertThat(standby.activeRegion()).contains("us-east-1");
    }

    @Test
    void aViewIsTrustedForTheTtl_thenReadAgain_soAChangeIsSeenWithinTheTtl() {
        assertThat(east1.check().allowed()).isTrue();
        record.set(null, "us-east-2"); // the failover fences us-east-1
        advance(TTL.minusMillis(1));
        assertThat(east1.check().allowed()).as("still the cached view, inside the bound").isTrue();
        assertThat(record.reads()).isEqualTo(1);
        advance(Duration.ofMillis(1));
        WriteFence.Decision fenced = east1.check();
        assertThat(fenced.allowed()).as("at the TTL the new record is read").isFalse();
        assertThat(fenced.record().orElseThrow().nextRegion()).isEqualTo("us-east-2");
        assertThat(record.reads()).isEqualTo(2);
    }

    @Test
    void theAgeOfAView_countsFromBeforeTheRead_soASlowReadDoesNotExtendTheBound() {
        InMemoryActiveRegionSource slow = new InMemoryActiveRegionSource("us-east-1");
        slow.beforeEachRead(() -> advance(Duration.ofSeconds(3))); // the GetItem took 3 s
        WriteFence fence = new WriteFence(slow, "us-east-1", TTL, nanos::get);
        fence.check();
        advance(Duration.ofSeconds(2)); // 5 s since the read started, 2 s since it ended
        fence.check();
        assertThat(slow.reads()).as("expired: the record may have changed while the read was under way").isEqualTo(2);
    }

    @Test
    void aViewAlsoExpiresByTheWallClock_evenIfTheMonotonicClockStood() {
        com.acme.payments.testsupport.MutableClock wall = new com.acme.payments.testsupport.MutableClock();
        WriteFence fence = new WriteFence(record, "us-east-1", TTL, nanos::get, wall);
        assertThat(fence.check().allowed()).isTrue();
        record.set(null, "us-east-2");
        wall.advance(TTL); // frozen between invocations: the monotonic clock did not move, the wall clock did
        assertThat(fence.check().allowed()).isFalse();
        assertThat(record.reads()).isEqualTo(2);
    }

    @Test
    void writerSince_isTheRecordsChangedAt_whileThisRegionIsActive_andNeverOtherwise() {
        assertThat(east1.writerSince()).isEqualTo(record.read().orElseThrow().changedAt());
        assertThat(east2.writerSince()).isEqualTo(java.time.Instant.MAX);
        record.failing(true);
        advance(TTL);
        assertThat(east1.writerSince()).as("unreadable: not the writer").isEqualTo(java.time.Instant.MAX);
    }

    @Test
    void anUnreadableRecord_failsClosed_onceTheViewHasExpired() {
        assertThat(east1.check().allowed()).isTrue();
        record.failing(true);
        assertThat(east1.check().allowed()).as("a fresh view needs no read").isTrue();
        advance(TTL);
        assertThatThrownBy(east1::check).isInstanceOf(DependencyException.class);
        assertThat(east1.writesAllowedNow()).as("reconciliation on a read: do not write when unsure").isFalse();
        record.failing(false);
        assertThat(east1.check().allowed()).isTrue();
    }

    @Test
    void noRecord_noRegionWrites() {
        InMemoryActiveRegionSource none = new InMemoryActiveRegionSource(null);
        WriteFence fence = new WriteFence(none, "us-east-1", TTL, nanos::get);
        WriteFence.Decision decision = fence.check();
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.record()).isEmpty();
    }

    @Test
    void invalidate_dropsTheView_soARestoredSnapshotReadsAfresh() {
        east1.check();
        record.set("us-east-2", null);
        east1.invalidate();
        assertThat(east1.check().allowed()).isFalse();
    }

    @Test
    void zeroTtl_readsOnEveryCheck() {
        WriteFence always = new WriteFence(record, "us-east-1", Duration.ZERO, nanos::get);
        always.check();
        always.check();
        assertThat(record.reads()).isEqualTo(2);
    }
}
