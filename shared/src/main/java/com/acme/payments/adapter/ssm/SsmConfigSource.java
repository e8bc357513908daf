package com.acme.payments.adapter.ssm;

import com.acme.payments.config.AppConfig;
import com.acme.payments.config.ConfigException;
import com.acme.payments.config.ConfigSource;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathRequest;
import software.amazon.awssdk.services.ssm.model.Parameter;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads {@code /payments/<env>/} in one paginated GetParametersByPath (with decryption for the API key) and
 * validates it. Error messages name the parameter, never its value.
 */
public final class SsmConfigSource implements ConfigSource {
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    /** Streaming jackson-core (no data binding on the cold path); a currency listed twice has no one limit. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final SsmClient ssm;
    private final String path;

    public SsmConfigSource(SsmClient ssm, String path) {
        this.ssm = ssm;
        this.path = path.endsWith("/") ? path : path + "/";
    }

    @Override
    public AppConfig load() {
        Map<String, String> values = new HashMap<>();
        try {
            GetParametersByPathRequest request = GetParametersByPathRequest.builder().path(path).recursive(true)
                    .withDecryption(true).build();
            for (Parameter p : ssm.getParametersByPathPaginator(request).stream()
                    .flatMap(page -> page.parameters().stream()).toList()) {
                values.put(p.name().substring(path.length()), p.value());
            }
        } catch (SdkException e) {
            throw new ConfigException("cannot read parameters under " + path + ": " + e.getClass().getSimpleName(), e);
        }
        return parse(values);
    }

    AppConfig parse(Map<String, String> values) {
        URI endpoint = endpoint(required(values, "processor/endpoint"));
        String apiKey = required(values, "processor/api-key");
        Duration timeout = Duration.ofMillis(positiveLong(values.getOrDefault("processor/timeout-ms", "3000"),
                "processor/timeout-ms"));
        Map<String, Long> limits = currencyLimits(required(values, "currency-limits"));
        Map<String, String> peer = new LinkedHashMap<>();
        values.forEach((name, value) -> {
            if (name.startsWith("peer/")) {
                peer.put(name.substring("peer/".length()), value);
            }
        });
        return new AppConfig(endpoint, apiKey, timeout, limits, peer);
    }

    private String required(Map<String, String> values, String name) {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            throw new ConfigException("missing parameter " + path + name);
        }
        return value.trim();
    }

    private URI endpoint(String value) {
        try {
            URI uri = URI.create(value);
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new ConfigException("parameter " + path + "processor/endpoint is not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("parameter " + path + "processor/endpoint is not a URL", e);
        }
    }

    private long positiveLong(String value, String name) {
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed <= 0) {
                throw new ConfigException("parameter " + path + name + " must be positive");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException("parameter " + path + name + " is not an integer", e);
        }
    }

    private Map<String, Long> currencyLimits(String json) {
        Map<String, Long> limits = parseLimits(json);
        if (limits == null || limits.isEmpty()) {
            throw new ConfigException("parameter " + path + "currency-limits lists no currency");
        }
        for (Map.Entry<String, Long> e : limits.entrySet()) {
            if (!CURRENCY.matcher(e.getKey()).matches() || e.getValue() == null || e.getValue() <= 0) {
                throw new ConfigException("parameter " + path + "currency-limits has an invalid entry");
            }
        }
        return limits;
    }

    /**
     * Strict: one JSON object whose values are JSON integers that fit a long, or JSON null (refused as an invalid
     * entry below); {@code null} for the literal {@code null}. A limit of 1000.5 or "1000" is a configuration error,
     * not 1000; so are duplicate currencies and anything after the object.
     */
    private Map<String, Long> parseLimits(String json) {
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken first = p.nextToken();
            Map<String, Long> limits = null;
            if (first == JsonToken.START_OBJECT) {
                limits = new LinkedHashMap<>();
                String currency;
                while ((currency = p.nextFieldName()) != null) {
                    JsonToken value = p.nextToken();
                    if (value == JsonToken.VALUE_NULL) {
                        limits.put(currency, null);
                    } else if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                        limits.put(currency, p.getLongValue());
                    } else {
                        throw notObjectOfIntegers(null);
                    }
                }
            } else if (first != JsonToken.VALUE_NULL) {
                throw notObjectOfIntegers(null);
            }
            if (p.nextToken() != null) {
                throw notObjectOfIntegers(null);
            }
            return limits;
        } catch (IOException e) {
            throw notObjectOfIntegers(e);
        }
    }

    private ConfigException notObjectOfIntegers(Exception cause) {
        return new ConfigException("parameter " + path + "currency-limits is not a JSON object of integers", cause);
    }
}
