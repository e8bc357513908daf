package com.acme.payments.config;

import com.acme.payments.config.ConfigSource;
import com.acme.payments.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachedConfigTest {
    private static final Duration TTL = Duration.ofSeconds(300);

    private final MutableClock clock = new MutableClock();
    private final ScriptedSource source = new ScriptedSource();
    private final CachedConfig cached = new CachedConfig(source, TTL, clock);

    /** Answers a new config on each load (so a reload is visible), or fails while {@code failing} is set. */
    static final class ScriptedSource implements ConfigSource {
        final AtomicInteger loads = new AtomicInteger();
        volatile boolean failing;

        @Override
        public AppConfig load() {
            int n = loads.incrementAndGet();
            if (failing) {
                throw new ConfigException("cannot read parameters under /payments/test/: SdkClientException");
            }
            return config(n);
        }
    }

    static AppConfig config(int generation) {
        return new AppConfig(URI.create("https://processor.example/v" + generation), "key", Duration.ofSeconds(3),
                Map.of("USD", 1_000L * generation), Map.of());
    }

    @Test
    void get_loadsOnce_andServesTheCachedValueWithinTheTtl() {
        AppConfig first = cached.get();
        clock.advance(TTL.minusMillis(1));

        assertThat(cached.get()).isSameAs(first);
        assertThat(source.loads).hasValue(1);
        assertThat(cached.isFresh()).isTrue();
    }

    @Test
    void get_servesTheCachedValueWithinTheTtl_evenWhenTheSourceNowFails() {
        AppConfig first = cached.get();
        source.failing = true;
        clock.advance(Duration.ofSeconds(299));

        assertThat(cached.get()).isSameAs(first);
    }

    @Test
    void get_afterTheTtl_reloads() {
        cached.get();
        clock.advance(TTL);

        assertThat(cached.get()).isEqualTo(config(2));
        assertThat(source.loads).hasValue(2);
    }

    @Test
    void get_afterTheTtl_withAFailingSource_failsClosed_insteadOfServingStaleConfig() {
        cached.get();
        source.failing = true;
        clock.advance(TTL.plusSeconds(1));

        assertThatThrownBy(cached::get).isInstanceOf(ConfigException.class);
        assertThatThrownBy(cached::get).isInstanceOf(ConfigException.class);
        assertThat(cached.isFresh()).isFalse();

        // And it recovers as soon as the source answers again.
        source.failing = false;
        assertThat(cached.get().processorEndpoint()).isEqualTo(URI.create("https://processor.example/v4"));
    }

    @Test
    void get_withAFailingSourceAndNothingCached_fails() {
        source.failing = true;

        assertThatThrownBy(cached::get).isInstanceOf(ConfigException.class);
        assertThat(cached.isFresh()).isFalse();
    }

    @Test
    void invalidate_forcesAReloadWithinTheTtl() {
        cached.get();

        cached.invalidate();

        assertThat(cached.isFresh()).isFalse();
        assertThat(cached.get()).isEqualTo(config(2));
        assertThat(source.loads).hasValue(2);
    }

    @Test
    void ttl_countsFromTheReload_notFromTheFirstLoad() {
        cached.get();
        clock.advance(TTL);
        cached.get(); // reload at t = 300 s
        clock.advance(TTL.minusSeconds(1));

        cached.get();

        assertThat(source.loads).hasValue(2);
    }

    @Test
    void coldCache_underConcurrency_loadsOnlyOnce() throws Exception {
        // After a SnapStart restore many requests may arrive at once; SSM must not be hit by each of them.
        CountDownLatch start = new CountDownLatch(1);
        List<Future<AppConfig>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cached.get();
                }));
            }
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        for (Future<AppConfig> f : results) {
            assertThat(f.get()).isEqualTo(config(1));
        }
        assertThat(source.loads).hasValue(1);
    }
}
