package com.acme.payments.adapter.ssm;

import com.acme.payments.config.AppConfig;
import com.acme.payments.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code parse} only: the SSM call itself is covered by the integration tests against the emulator. */
class SsmConfigSourceTest {
    private static final String API_KEY = "sk_live_51HdSECRETvalue9876";
    // No trailing slash on purpose: the source must add it, or names would be resolved as "/payments/testprocessor/…".
    private final SsmConfigSource source = new SsmConfigSource(null, "/payments/test");

    private static Map<String, String> valid() {
        Map<String, String> values = new HashMap<>();
        values.put("processor/endpoint", "https://processor.example/api");
        values.put("processor/api-key", API_KEY);
        values.put("processor/timeout-ms", "2500");
        values.put("currency-limits", "{\"USD\":1000000,\"EUR\":1000000,\"JPY\":100000000}");
        values.put("api-endpoint", "https://api.example");
        values.put("peer/region", "us-east-2");
        values.put("peer/vpc-cidr", "10.1.0.0/16");
        return values;
    }

    private ConfigException failure(Map<String, String> values) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> source.parse(values));
        assertThat(e).as("expected a ConfigException").isNotNull();
        assertNoSecret(e);
        return e;
    }

    /** The API key must not leak through the message or any cause (they all end up in logs). */
    private static void assertNoSecret(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(API_KEY).doesNotContain("SECRET");
        }
    }

    @Test
    void parse_validParameters_buildsTheConfig() {
        AppConfig config = source.parse(valid());

        assertThat(config.processorEndpoint()).isEqualTo(URI.create("https://processor.example/api"));
        assertThat(config.processorApiKey()).isEqualTo(API_KEY);
        assertThat(config.processorTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(config.currencyLimits()).containsExactlyInAnyOrderEntriesOf(
                Map.of("USD", 1_000_000L, "EUR", 1_000_000L, "JPY", 100_000_000L));
        assertThat(config.peer()).containsExactlyInAnyOrderEntriesOf(
                Map.of("region", "us-east-2", "vpc-cidr", "10.1.0.0/16"));
    }

    @Test
    void parse_defaultsTheProcessorTimeoutTo3Seconds() {
        Map<String, String> values = valid();
        values.remove("processor/timeout-ms");

        assertThat(source.parse(values).processorTimeout()).isEqualTo(Duration.ofMillis(3000));
    }

    @Test
    void parse_trimsValues() {
        Map<String, String> values = valid();
        values.put("processor/api-key", "  " + API_KEY + "\n");

        assertThat(source.parse(values).processorApiKey()).isEqualTo(API_KEY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"processor/endpoint", "processor/api-key", "currency-limits"})
    void parse_missingRequiredParameter_namesItsFullPath(String name) {
        Map<String, String> values = valid();
        values.remove(name);

        assertThat(failure(values)).hasMessage("missing parameter /payments/test/" + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"processor/endpoint", "processor/api-key", "currency-limits"})
    void parse_blankRequiredParameter_countsAsMissing(String name) {
        Map<String, String> values = valid();
        values.put(name, "   ");

        assertThat(failure(values)).hasMessage("missing parameter /payments/test/" + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://processor.example", "processor.example", "https://", "not a url", "mailto:a@b.c"})
    void parse_endpointThatIsNotAnHttpUrl_isRejected(String endpoint) {
        Map<String, String> values = valid();
        values.put("processor/endpoint", endpoint);

        assertThat(failure(values).getMessage()).contains("/payments/test/processor/endpoint");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"USD\":", "[1,2]", "\"USD\"", "{\"USD\":\"lots\"}", "{\"USD\":99999999999999999999}", "null",
            "{\"USD\":1000.5}", "{\"USD\":\"1000\"}", "{\"USD\":1000,\"USD\":5}", "{\"USD\":1000} x",
            "{\"USD\":true}", "{\"USD\":{}}", "{\"USD\":[1]}", "{\"USD\":1e3}", ""})
    void parse_currencyLimitsThatAreNotAJsonObjectOfIntegers_areRejected(String json) {
        Map<String, String> values = valid();
        values.put("currency-limits", json);

        assertThat(failure(values).getMessage()).contains("/payments/test/currency-limits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"usd\":100}", "{\"US\":100}", "{\"USD\":0}", "{\"USD\":-5}", "{\"USD\":null}"})
    void parse_currencyLimitsWithAnInvalidEntry_areRejected(String json) {
        Map<String, String> values = valid();
        values.put("currency-limits", json);

        assertThat(failure(values).getMessage()).contains("/payments/test/currency-limits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "fast", "3000ms"})
    void parse_timeoutThatIsNotAPositiveInteger_isRejected(String timeout) {
        Map<String, String> values = valid();
        values.put("processor/timeout-ms", timeout);

        assertThat(failure(values).getMessage()).contains("/payments/test/processor/timeout-ms");
    }

    @Test
    void configException_isARetryableDependencyFailure() {
        Map<String, String> values = valid();
        values.remove("processor/api-key");

        // Fail closed with 503: a client may retry once the parameter is back.
        assertThat(failure(values).retryable()).isTrue();
    }

    @Test
    void appConfigToString_neverContainsTheApiKey() {
        AppConfig config = source.parse(valid());

        assertThat(config.toString()).doesNotContain(API_KEY).contains("processorApiKey=***")
                .contains("https://processor.example/api");
    }
}
