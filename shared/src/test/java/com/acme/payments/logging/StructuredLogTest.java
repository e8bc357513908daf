package com.acme.payments.logging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StructuredLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "tok_abcdefgh1234";
    private static final String PAN = "4111111111111111";

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final StructuredLog log = StructuredLog.get(StructuredLogTest.class);

    @BeforeEach
    void captureOutput() {
        StructuredLog.clearContext();
        StructuredLog.redirect(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        StructuredLog.clearContext();
        StructuredLog.redirect(System.out);
    }

    private String raw() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** Every line parsed as JSON: fails the test if any line is not a complete JSON object. */
    private List<JsonNode> lines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : raw().split("\n")) {
            if (!line.isEmpty()) {
                JsonNode node = JSON.readTree(line);
                assertThat(node.isObject()).as("line is a JSON object: %s", line).isTrue();
                lines.add(node);
            }
        }
        return lines;
    }

    private JsonNode onlyLine() throws IOException {
        List<JsonNode> lines = lines();
        assertThat(lines).hasSize(1);
        return lines.getFirst();
    }

    @Test
    void line_isOneJsonObject_withLevelMessageLoggerTimestampAndFields() throws IOException {
        log.info("payment created", "paymentId", "pay_1", "amount", 2500L, "currency", "USD");

        JsonNode line = onlyLine();
        assertThat(line.get("level").asText()).isEqualTo("INFO");
        assertThat(line.get("message").asText()).isEqualTo("payment created");
        assertThat(line.get("logger").asText()).isEqualTo("StructuredLogTest");
        assertThat(Instant.parse(line.get("timestamp").asText())).isNotNull();
        assertThat(line.get("paymentId").asText()).isEqualTo("pay_1");
        assertThat(line.get("amount").isIntegralNumber()).isTrue();
        assertThat(line.get("amount").asLong()).isEqualTo(2500L);
        assertThat(line.get("currency").asText()).isEqualTo("USD");
    }

    @Test
    void context_isAttachedToEveryLineOfTheThread_untilCleared() throws IOException {
        StructuredLog.putContext("requestId", "req-1");
        StructuredLog.putContext("merchantId", "merchant_a");
        log.info("first");
        log.warn("second");
        StructuredLog.clearContext();
        log.info("third");

        List<JsonNode> lines = lines();
        assertThat(lines).hasSize(3);
        for (JsonNode line : lines.subList(0, 2)) {
            assertThat(line.get("requestId").asText()).isEqualTo("req-1");
            assertThat(line.get("merchantId").asText()).isEqualTo("merchant_a");
        }
        assertThat(lines.get(1).get("level").asText()).isEqualTo("WARN");
        assertThat(lines.get(2).has("requestId")).isFalse();
    }

    @Test
    void context_isPerThread() throws Exception {
        // Lambda reuses threads across requests, but two threads must never share a request's context.
        Thread other = Thread.ofPlatform().start(() -> StructuredLog.putContext("requestId", "req-other"));
        other.join();

        log.info("here");

        assertThat(onlyLine().has("requestId")).isFalse();
    }

    @Test
    void token_inMessageFieldsAndContext_isCutToItsLastFour() throws IOException {
        StructuredLog.putContext("paymentMethod", TOKEN);
        log.info("charging " + TOKEN, "method", TOKEN);

        JsonNode line = onlyLine();
        assertThat(line.get("message").asText()).isEqualTo("charging tok_…1234");
        assertThat(line.get("method").asText()).isEqualTo("tok_…1234");
        assertThat(line.get("paymentMethod").asText()).isEqualTo("tok_…1234");
        assertThat(raw()).doesNotContain("abcdefgh");
    }

    @Test
    void pan_inMessageFieldsContextAndErrors_isRedacted() throws IOException {
        StructuredLog.putContext("note", "card " + PAN);
        log.error("bad input 4111 1111 1111 1111", new IllegalArgumentException("value " + PAN), "field", PAN);

        JsonNode line = onlyLine();
        assertThat(line.get("message").asText()).isEqualTo("bad input [REDACTED-PAN]");
        assertThat(line.get("field").asText()).isEqualTo("[REDACTED-PAN]");
        assertThat(line.get("note").asText()).isEqualTo("card [REDACTED-PAN]");
        assertThat(line.get("errorMessage").asText()).isEqualTo("value [REDACTED-PAN]");
        assertThat(raw()).doesNotContain("4111", "1111 1111");
    }

    @Test
    void pan_passedAsANumber_isRedacted() throws IOException {
        // e.g. a client that sent its card number as the "amount" of a capture, logged before validation.
        log.info("capture requested", "amount", 4111111111111111L);

        assertThat(onlyLine().get("amount").asText()).isEqualTo("[REDACTED-PAN]");
        assertThat(raw()).doesNotContain("4111");
    }

    @Test
    void error_logsTypeMessageAndCause_butNoStackTrace() throws IOException {
        log.error("dependency failed", new IllegalStateException("table unavailable", new java.io.IOException("reset")));

        JsonNode line = onlyLine();
        assertThat(line.get("level").asText()).isEqualTo("ERROR");
        assertThat(line.get("errorType").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(line.get("errorMessage").asText()).isEqualTo("table unavailable");
        assertThat(line.get("errorCause").asText()).isEqualTo("java.io.IOException");
        assertThat(raw()).doesNotContain("\tat ", "StructuredLogTest.java");
    }

    @Test
    void messageWithQuotesAndNewlines_staysOneValidJsonLine() throws IOException {
        log.info("she said \"hi\"\nsecond line\r\n\u0000end", "k", "a\"b\nc");

        JsonNode line = onlyLine();
        assertThat(line.get("message").asText()).isEqualTo("she said \"hi\"\nsecond line\r\n\u0000end");
        assertThat(line.get("k").asText()).isEqualTo("a\"b\nc");
    }

    @Test
    void nullFieldValue_isLoggedAsJsonNull() throws IOException {
        log.info("lookup", "reference", null);

        assertThat(onlyLine().get("reference").isNull()).isTrue();
    }

    @Test
    void scrub_leavesOrdinaryTextAlone() {
        assertThat(StructuredLog.scrub("payment pay_1 of 2500 USD at 2026-01-05T10:15:30Z"))
                .isEqualTo("payment pay_1 of 2500 USD at 2026-01-05T10:15:30Z");
        assertThat(StructuredLog.scrub(null)).isNull();
    }
}
