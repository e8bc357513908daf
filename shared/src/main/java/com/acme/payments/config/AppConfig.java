package com.acme.payments.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The function's runtime configuration, read from SSM under {@code /payments/<env>/} (see docs/architecture.md).
 * {@link #toString()} never prints the API key.
 */
public record AppConfig(URI processorEndpoint, String processorApiKey, Duration processorTimeout,
                        Map<String, Long> currencyLimits, Map<String, String> peer) {

    public AppConfig {
        currencyLimits = Map.copyOf(currencyLimits);
        peer = peer == null ? Map.of() : Map.copyOf(peer);
    }

    public boolean currencyAllowed(String currency) {
        return currencyLimits.containsKey(currency);
    }

    public long maxAmount(String currency) {
        return currencyLimits.getOrDefault(currency, 0L);
    }

    @Override
    public String toString() {
        return "AppConfig[processorEndpoint=" + processorEndpoint + ", processorApiKey=***, processorTimeout="
                + processorTimeout + ", currencies=" + currencyLimits.keySet() + ", peer=" + peer + "]";
    }
}
