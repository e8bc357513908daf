package com.acme.payments.api;

import com.acme.payments.api.HandlerHarness.Request;
import com.acme.payments.api.HandlerHarness.Response;
import com.acme.payments.domain.PanDetector;
import com.acme.payments.logging.StructuredLog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static com.acme.payments.api.HandlerHarness.MERCHANT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile conditions, bad input: a fixed corpus of malicious and malformed requests, and generated ones, through
 * the real handler. Whatever arrives, the answer is a well-formed problem (never a 5xx, never a 2xx for malformed
 * input), and no card number, full token or internal detail reaches the response or the logs.
 */
class HostileInputTest {
    /** Test card numbers (all pass Luhn), never to be echoed or logged. */
    private static final List<String> PANS = List.of("4111111111111111", "5555555555554444", "378282246310005",
            "6011111111111117", "4242424242424242", "3530111333300000", "4222222222222");
    /** A syntactically valid token: responses may show it masked (tok_…5b4a), never whole. */
    private static final String TOKEN = "tok_hostile_9f8e7d6c5b4a";
    private static final List<String> SECRETS = List.of(TOKEN, "tok_4111111111111111");
    /** Exception names, packages, stack frames and class names: what an unhandled fault would show. */
    private static final Pattern INTERNALS = Pattern.compile(
            "Exception|Throwable|Caused by|java\\.|javax\\.|jdk\\.|com\\.acme|com\\.fasterxml|[Jj]ackson|software\\.amazon"
                    + "|\\bat [a-z][\\w$]*\\.[\\w$.]+\\(|\\.java:\\d|\\b[A-Z][a-z]+(?:[A-Z][a-z]+)+(?:Error|Exception|Impl)\\b"
                    + "|NullPointer|IllegalState|IllegalArgument");
    /** A problem describes the request; it never grows with it (the largest legitimate one is well below). */
    private static final int MAX_PROBLEM_CHARS = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The id of the harness's first payment. Ids derive from the request (merchant, Idempotency-Key, fingerprint),
     * so this one is fixed: a change in the derivation shows up here, and the corpus below must follow.
     */
    private static final String VALID_ID = "pay_b219baca-72a6-891c-a558-f007f6baa485";

    /** Malformed input must be refused (4xx); tolerated input may succeed but must not fail or leak either. */
    enum Kind { MALFORMED, TOLERATED }

    record Hostile(String name, Kind kind, Request request) { }

    @Test
    void corpusOfHostileRequests_answersWellFormedProblems_andLeaksNothing() {
        List<String> violations = new ArrayList<>();
        int[] inputs = new int[1];
        String log = capturingOutput(() -> {
            HandlerHarness harness = new HandlerHarness();
            String captured = harness.createPayment(HandlerHarness.createBody(2500, "USD", TOKEN, true));
            assertThat(captured).as("the corpus addresses this payment").isEqualTo(VALID_ID);

            List<Hostile> corpus = corpus(harness);
            inputs[0] = corpus.size();
            for (Hostile hostile : corpus) {
                try {
                    violations.addAll(check(hostile.name(), hostile.request().send(), hostile.kind() == Kind.MALFORMED));
                } catch (RuntimeException e) {
                    violations.add(hostile.name() + ": the handler threw " + e.getClass().getSimpleName());
                }
            }
        });
        assertThat(log.lines().filter(l -> l.contains("\"message\":\"request\"")).count())
                .as("sanity: the handler's log lines were captured").isGreaterThanOrEqualTo(inputs[0]);
        violations.addAll(logLeaks(log));

        System.out.println("hostile-input: " + inputs[0] + " inputs, " + violations.size() + " violations");
        violations.stream().limit(10).forEach(v -> System.out.println("  " + v));
        assertThat(inputs[0]).isGreaterThanOrEqualTo(150);
        assertThat(violations).isEmpty();
    }

    /**
     * Runs {@code work} with stdout captured: the structured log and the EMF metric lines. The harness must be
     * built inside {@code work}, because the handler's metric writer binds System.out when it is constructed.
     */
    private static String capturingOutput(Runnable work) {
        PrintStream realOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        try {
            System.setOut(capture);
            StructuredLog.redirect(capture);
            work.run();
        } finally {
            StructuredLog.redirect(realOut);
            System.setOut(realOut);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    /** Card numbers (with or without separators) and full tokens in captured output. */
    static List<String> logLeaks(String log) {
        List<String> v = new ArrayList<>();
        String withoutSeparators = log.replaceAll("[ \\-]", "");
        for (String pan : PANS) {
            if (withoutSeparators.contains(pan)) {
                v.add("log: contains card number " + pan.substring(0, 4) + "…");
            }
        }
        for (String secret : SECRETS) {
            if (log.contains(secret)) {
                v.add("log: contains a full token");
            }
        }
        return v;
    }

    /** The invariants can fail: a response or log that breaks each one is reported. */
    @Test
    void invariants_reportLeaksAndMalformedAnswers() {
        assertThat(logLeaks("{\"message\":\"card 4111-1111-1111-1111\"}")).containsExactly("log: contains card number 4111…");
        assertThat(logLeaks("{\"paymentMethod\":\"" + TOKEN + "\"}")).containsExactly("log: contains a full token");
        assertThat(logLeaks("{\"paymentMethod\":\"tok_…5b4a\"}")).isEmpty();

        HandlerHarness harness = new HandlerHarness();
        Response fine = harness.get("/payments/" + HandlerHarness.ABSENT_ID).send();
        assertThat(check("fine", fine, true)).isEmpty();

        assertThat(check("2xx", harness.get("/health").send(), true)).containsExactly("2xx: 200 for malformed input");
        assertThat(check("pan", fake(400, "{\"type\":\"t\",\"title\":\"x\",\"status\":400,\"detail\":\"4111 1111 1111 1111\"}"), true))
                .contains("pan: body contains card number 4111…");
        assertThat(check("trace", fake(500, "{\"type\":\"t\",\"title\":\"java.lang.NullPointerException\",\"status\":500}"), false))
                .contains("trace: status 500", "trace: body shows internals");
        assertThat(check("plain", fake(400, "Bad Request"), true)).contains("plain: body is not a JSON object");
    }

    private static Response fake(int status, String body) {
        return new Response(com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status).withHeaders(Map.of("Content-Type", "application/problem+json"))
                .withBody(body).build());
    }

    static List<String> check(String name, Response r, boolean mustBe4xx) {
        return check(name, r, mustBe4xx, List.of());
    }

    /** Every invariant; returns one line per broken one, naming the input but never quoting it. */
    static List<String> check(String name, Response r, boolean mustBe4xx, Collection<String> alsoSecret) {
        List<String> v = new ArrayList<>();
        int status = r.status();
        String body = r.body() == null ? "" : r.body();
        if (status >= 500) {
            v.add(name + ": status " + status);
        } else if (mustBe4xx && status < 400) {
            v.add(name + ": " + status + " for malformed input");
        }
        String contentType = r.header("Content-Type");
        JsonNode json = null;
        try {
            json = JSON.readTree(body);
        } catch (Exception e) {
            // reported below
        }
        if (json == null || !json.isObject()) {
            v.add(name + ": body is not a JSON object");
        } else if (status >= 400) {
            if (!"application/problem+json".equals(contentType)) {
                v.add(name + ": content type " + contentType);
            }
            if (!json.path("type").isTextual() || !json.path("title").isTextual() || json.path("status").asInt() != status) {
                v.add(name + ": not a problem document with type, title and status " + status);
            }
        } else if (!"application/json".equals(contentType)) {
            v.add(name + ": content type " + contentType);
        }
        String everything = body + " " + r.headers();
        String digits = everything.replaceAll("[^0-9]", "");
        for (String pan : PANS) {
            if (digits.contains(pan)) {
                v.add(name + ": body contains card number " + pan.substring(0, 4) + "…");
            }
        }
        if (PanDetector.containsPan(body)) {
            v.add(name + ": body contains something that looks like a card number");
        }
        for (String secret : SECRETS) {
            if (everything.contains(secret)) {
                v.add(name + ": body contains a full token");
            }
        }
        for (String secret : alsoSecret) {
            if (everything.contains(secret)) {
                v.add(name + ": body echoes a submitted value");
            }
        }
        if (status >= 400 && body.length() > MAX_PROBLEM_CHARS) {
            v.add(name + ": problem of " + body.length() + " characters reflects the input");
        }
        if (INTERNALS.matcher(everything).find()) {
            v.add(name + ": body shows internals");
        }
        return v;
    }

    // ---- the corpus ----------------------------------------------------------------------------------------

    private static List<Hostile> corpus(HandlerHarness h) {
        List<Hostile> c = new ArrayList<>();
        String pay = "/payments";

        // Malformed JSON.
        String[] broken = {"{", "}", "[", "[]", "null", "true", "1", "\"text\"", "{\"amount\":}", "{'amount':1}",
                "{amount:1}", "{\"amount\":2500,}", "{\"amount\":2500 \"currency\":\"USD\"}", "{}{}", "{} x",
                "{\"amount\":NaN}", "/* c */ {\"amount\":2500}", "\uFEFF" + create(Map.of()),
                "{\"description\":\"unterminated}", "{\"amount\":2500,\"amount\":2600,\"currency\":\"USD\","
                        + "\"paymentMethod\":\"" + TOKEN + "\"}", "\u0000", "", "   \n\t ", "{\"a\":\"\\x41\"}",
                "{\"a\":\"\\u12\"}", "[" + create(Map.of()) + "]", create(Map.of()) + "]", "<xml/>",
                "amount=2500&currency=USD"};
        for (int i = 0; i < broken.length; i++) {
            c.add(malformed("malformed-json-" + i, h.post(pay, broken[i])));
        }

        // Nesting and size.
        c.add(malformed("nested-arrays-10000", h.post(pay, "[".repeat(10_000) + "]".repeat(10_000))));
        c.add(malformed("nested-objects-10000", h.post(pay, "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000))));
        c.add(malformed("nested-arrays-5000-under-size-limit", h.post(pay, "[".repeat(5_000) + "]".repeat(5_000))));
        c.add(malformed("nested-metadata-20", h.post(pay, create(Map.of("metadata",
                "{\"a\":".repeat(20) + "\"x\"" + "}".repeat(20))))));
        c.add(malformed("nested-unclosed-8000", h.post(pay, "[".repeat(8_000))));
        c.add(malformed("oversized-1MB-description", h.post(pay, create(Map.of("description",
                "\"" + "x".repeat(1024 * 1024) + "\"")))));
        c.add(malformed("oversized-1MB-multibyte", h.post(pay, create(Map.of("description",
                "\"" + "€".repeat(350_000) + "\"")))));
        c.add(malformed("oversized-16KiB-plus-1", h.post(pay, padTo(16 * 1024 + 1))));
        c.add(malformed("oversized-1MB-whitespace", h.post(pay, " ".repeat(1024 * 1024) + create(Map.of()))));
        c.add(malformed("oversized-1MB-base64", h.post(pay, null).base64Body(padTo(1024 * 1024))));
        c.add(malformed("oversized-capture-body", h.post(pay + "/" + VALID_ID + "/capture", padTo(20_000))));

        // Wrong types for every field.
        Map<String, List<String>> wrongTypes = new LinkedHashMap<>();
        wrongTypes.put("amount", List.of("\"x\"", "1.5", "true", "[]", "{}", "null"));
        wrongTypes.put("currency", List.of("840", "1.5", "true", "[\"USD\"]", "{}", "null", "\"x\""));
        wrongTypes.put("paymentMethod", List.of("42", "1.5", "false", "[]", "{\"token\":\"" + TOKEN + "\"}", "null", "\"x\""));
        wrongTypes.put("description", List.of("42", "1.5", "true", "[]", "{}"));
        wrongTypes.put("metadata", List.of("\"x\"", "42", "true", "[]", "1.5", "{\"k\":1}", "{\"k\":null}", "{\"k\":{}}"));
        wrongTypes.put("capture", List.of("\"true\"", "1", "0", "[]", "{}", "\"yes\""));
        wrongTypes.forEach((field, values) -> {
            for (int i = 0; i < values.size(); i++) {
                c.add(malformed("wrong-type-" + field + "-" + i, h.post(pay, create(Map.of(field, values.get(i))))));
            }
        });

        // Amounts. (1e3 and 10.0 are integers to JSON Schema and are accepted: ContractFuzzFindingsTest.)
        for (String amount : List.of("0", "-1", "1.5", "\"100\"", "9223372036854775808", "1e400", "-0",
                "01", "+1", "0x10", "Infinity", "-Infinity", "1000001", "9007199254740992", "2500.0000000001",
                "1e-3", "-9223372036854775808", "99999999999999999999999999999999999999999")) {
            c.add(malformed("amount-" + amount, h.post(pay, create(Map.of("amount", amount)))));
        }
        c.add(malformed("amount-jpy-over-limit", h.post(pay, create(Map.of("currency", "\"JPY\"",
                "amount", "100000001")))));

        // Currencies.
        for (String currency : List.of("usd", "Usd", "US", "USDD", "XXX", "GBP", "", " USD", "USD ", "U$D", "ÜSD",
                "\\u0000SD", "ＵＳＤ")) {
            c.add(malformed("currency-" + currency, h.post(pay, create(Map.of("currency", "\"" + currency + "\"")))));
        }

        // Card numbers anywhere.
        c.add(malformed("pan-amount-number", h.post(pay, create(Map.of("amount", PANS.get(0))))));
        c.add(malformed("pan-currency", h.post(pay, create(Map.of("currency", q(PANS.get(1)))))));
        c.add(malformed("pan-payment-method", h.post(pay, create(Map.of("paymentMethod", q(PANS.get(0)))))));
        c.add(malformed("pan-in-token", h.post(pay, create(Map.of("paymentMethod", q("tok_" + PANS.get(0)))))));
        c.add(malformed("pan-spaced-method", h.post(pay, create(Map.of("paymentMethod", q("5555 5555 5555 4444"))))));
        c.add(malformed("pan-description-dashes", h.post(pay, create(Map.of("description",
                q("card 4111-1111-1111-1111 exp 12/30"))))));
        c.add(malformed("pan-description-amex", h.post(pay, create(Map.of("description", q(PANS.get(2)))))));
        c.add(malformed("pan-description-13", h.post(pay, create(Map.of("description", q("x" + PANS.get(6) + "x"))))));
        c.add(malformed("pan-metadata-value", h.post(pay, create(Map.of("metadata", "{\"card\":" + q(PANS.get(3)) + "}")))));
        c.add(malformed("pan-metadata-key", h.post(pay, create(Map.of("metadata", "{" + q(PANS.get(4)) + ":\"x\"}")))));
        c.add(malformed("pan-metadata-number", h.post(pay, create(Map.of("metadata", "{\"n\":" + PANS.get(0) + "}")))));
        c.add(malformed("pan-metadata-array", h.post(pay, create(Map.of("metadata", "{\"n\":[" + PANS.get(5) + "]}")))));
        c.add(malformed("pan-field-name", h.post(pay, create(Map.of(PANS.get(0), "1")))));
        // Errors name the field; a client-chosen key must not smuggle a token or kilobytes back into the answer.
        c.add(malformed("pan-value-under-token-key", h.post(pay, create(Map.of("metadata",
                "{" + q(TOKEN) + ":" + q(PANS.get(0)) + "}")))));
        c.add(malformed("pan-value-under-long-key", h.post(pay, create(Map.of("metadata",
                "{" + q("k".repeat(5000)) + ":" + q(PANS.get(0)) + "}")))));
        c.add(malformed("pan-value-under-control-key", h.post(pay, create(Map.of("metadata",
                "{\"\u202E\\u0007k\":" + q(PANS.get(0)) + "}")))));
        c.add(malformed("pan-value-under-token-field", h.post(pay, create(Map.of(TOKEN, q(PANS.get(2)))))));
        c.add(malformed("pan-unknown-field-value", h.post(pay, create(Map.of("note", q(PANS.get(5)))))));
        c.add(malformed("pan-base64-body", h.post(pay, null).base64Body(create(Map.of("description", q(PANS.get(1)))))));
        c.add(malformed("pan-capture-amount", h.post(pay + "/" + VALID_ID + "/capture", "{\"amount\":" + PANS.get(0) + "}")));
        c.add(malformed("pan-refund-amount-string", h.post(pay + "/" + VALID_ID + "/refunds", "{\"amount\":" + q(PANS.get(1)) + "}")));
        c.add(malformed("pan-cancel-body", h.post(pay + "/" + VALID_ID + "/cancel", "{\"card\":" + q(PANS.get(4)) + "}")));
        c.add(malformed("pan-cursor", h.get(pay).query("cursor", PANS.get(0))));
        c.add(malformed("pan-limit", h.get(pay).query("limit", PANS.get(0))));
        c.add(malformed("pan-path", h.get(pay + "/" + PANS.get(0))));
        c.add(malformed("pan-path-capture", h.post(pay + "/" + PANS.get(0) + "/capture", "{}")));
        // A verified claim is the authorizer's word, and digits are a valid merchant id: the id is scrubbed in logs.
        c.add(tolerated("pan-merchant-claim", h.get(pay).merchant(PANS.get(0) + "-")));
        c.add(tolerated("pan-in-unrelated-header", h.post(pay, create(Map.of())).header("x-card", PANS.get(0))));
        c.add(tolerated("pan-as-idempotency-key", h.post(pay, create(Map.of())).header("idempotency-key", PANS.get(3))));

        // Oversized headers (10 KB).
        String tenKb = "h".repeat(10 * 1024);
        c.add(malformed("header-10KB-custom", h.post(pay, create(Map.of())).header("x-padding", tenKb)));
        c.add(malformed("header-10KB-user-agent", h.post(pay, create(Map.of())).header("user-agent", tenKb)));
        c.add(malformed("header-10KB-idempotency-key", h.post(pay, create(Map.of())).header("idempotency-key", tenKb)));
        c.add(malformed("header-10KB-content-type", h.post(pay, create(Map.of()))
                .header("content-type", "application/json; x=" + tenKb)));
        c.add(malformed("header-10KB-capture", h.post(pay + "/" + VALID_ID + "/capture", "{}").header("x-padding", tenKb)));
        c.add(malformed("header-10KB-refund", h.post(pay + "/" + VALID_ID + "/refunds", "{\"amount\":1}")
                .header("x-forwarded-for", tenKb)));
        c.add(malformed("header-10KB-cancel", h.post(pay + "/" + VALID_ID + "/cancel", "{}").header("cookie", tenKb)));

        // Idempotency keys.
        for (String key : List.of("", "1234567", "k".repeat(256), "k".repeat(300), "has space 123", "ключ-ключ-ключ",
                "key\u0000abcdef", "key\tabcdefg", "key\nabcdefg", "../../../etc/passwd", "key;drop-table",
                "emoji-\uD83C\uDF89-key-1", "%00%00%00%00", "key\u202Eabcdefg")) {
            c.add(malformed("idempotency-key-" + c.size(), h.post(pay, create(Map.of())).header("idempotency-key", key)));
        }
        c.add(malformed("idempotency-key-missing-on-capture", h.post(pay + "/" + VALID_ID + "/capture", "{}")
                .header("idempotency-key", null)));

        // Control characters and Unicode in text fields.
        for (String text : List.of("\\u0000", "a\\u0007b", "line\\r\\nbreak", "\\u2028", "\\u0085", "esc\\u001b[31m",
                "x".repeat(256), "\uD83C\uDF89".repeat(256))) { // 256 characters: maxLength counts code points
            c.add(malformed("description-" + c.size(), h.post(pay, create(Map.of("description", q(text))))));
        }
        for (String meta : List.of("{\"k\":\"\\u0000\"}", "{\"\\u001b[31m\":\"v\"}", "{\"\":\"v\"}",
                "{\"" + "k".repeat(41) + "\":\"v\"}", "{\"k\":\"" + "v".repeat(501) + "\"}", manyEntries(21),
                "{\"k\\n\":\"v\"}")) {
            c.add(malformed("metadata-" + c.size(), h.post(pay, create(Map.of("metadata", meta)))));
        }
        for (String text : List.of("\u202Egnp.exe", "order \uD83C\uDF89", "\u200Bzero\u200Dwidth", "e\u0301\u0301\u0301",
                "مرحبا بالعالم", "<script>alert(1)</script>", "'; DROP TABLE payments; --", "${jndi:ldap://x/a}",
                "%s%n%x%d", "a\\uD800b")) {
            c.add(tolerated("description-tolerated-" + c.size(), h.post(pay, create(Map.of("description", q(text))))));
        }
        c.add(tolerated("metadata-emoji", h.post(pay, create(Map.of("metadata", "{\"\uD83C\uDF89\":\"\u202E\"}")))));

        // Identity.
        c.add(malformed("no-request-context", h.post(pay, create(Map.of())).withoutRequestContext()));
        c.add(malformed("empty-authorizer", h.post(pay, create(Map.of())).withEmptyAuthorizer()));
        c.add(malformed("no-claims", h.post(pay, create(Map.of())).claims(null)));
        c.add(malformed("empty-claims", h.post(pay, create(Map.of())).claims(Map.of())));
        for (String merchant : List.of("", " ", "a/b", "m".repeat(100), " merchant_demo", "merchant_demo ",
                "merchant\u0000", "../../", "MERCHANT#other", "*", "merchant_demo,merchant_other", "ｍerchant")) {
            c.add(malformed("merchant-" + c.size(), h.post(pay, create(Map.of())).merchant(merchant)));
        }
        c.add(malformed("merchant-wrong-claim-name", h.get(pay).claims(Map.of("merchantId", MERCHANT))));
        c.add(malformed("merchant-header-only", h.get(pay).claims(null).header("x-merchant-id", MERCHANT)));
        c.add(malformed("merchant-body-field", h.post(pay, create(Map.of("merchantId", q("merchant_other"))))));

        // Path tricks.
        for (String path : List.of("/payments/../health", "/payments/%2e%2e/health", "/payments%2Fpay_x", "//payments",
                "/payments/", "/PAYMENTS", "/payments/" + VALID_ID + "/capture/extra", "/payments/" + VALID_ID + "%2Fcapture",
                "/health/", "/health/..", "/./payments", "/payments/.", "/payments/" + VALID_ID.toUpperCase(),
                "/payments/" + VALID_ID + ";x=1", "/payments\\" + VALID_ID, "/payments/" + VALID_ID + "/CAPTURE",
                "/payments/" + VALID_ID + "/refunds/", "/payments/" + VALID_ID + "?x=1", "", "payments",
                "/payments/\u0000", "/payments/" + "x".repeat(300), "/payments/pay_%00", "/%70ayments",
                "/payments/" + VALID_ID + "/../" + HandlerHarness.ABSENT_ID, "/payments/pay_ 0192", "/payments/pay_١٢٣",
                "/payments/" + VALID_ID + "/refunds/re_1", "/payments/" + VALID_ID + "/capture%00", "/payments/*",
                "/payments/" + VALID_ID + "#frag")) {
            c.add(malformed("path-get-" + c.size(), h.get(path)));
        }
        c.add(malformed("path-null", h.get(null)));
        for (String path : List.of("//payments", "/payments/", "/payments/../payments", "/payments%2F", "/Payments")) {
            c.add(malformed("path-post-" + c.size(), h.post(path, create(Map.of()))));
        }

        // Methods.
        for (String method : List.of("CONNECT", "TRACE", "OPTIONS", "HEAD", "G ET", "", "DELETE", "PATCH")) {
            c.add(malformed("method-" + c.size(), h.request(method, pay).header("idempotency-key", h.key())
                    .header("content-type", "application/json").body(create(Map.of()))));
        }
        c.add(malformed("method-null", h.request(null, pay)));

        // Listing queries.
        for (String limit : List.of("0", "101", "-1", "abc", "", "1e2", "2147483648", "1 ", "0x10", "+", "1_0")) {
            c.add(malformed("limit-" + c.size(), h.get(pay).query("limit", limit)));
        }
        // Integer.parseInt reads non-ASCII digits: full-width 10 is the limit 10. Harmless, so tolerated.
        c.add(tolerated("limit-fullwidth-digits", h.get(pay).query("limit", "\uFF11\uFF10")));
        for (String cursor : List.of("", "!!!", "c".repeat(2000), Base64.getUrlEncoder().encodeToString(
                "junk\njunk\njunk\njunk".getBytes(StandardCharsets.UTF_8)), "../../", "\u0000")) {
            c.add(malformed("cursor-" + c.size(), h.get(pay).query("cursor", cursor)));
        }

        // Media types and encodings.
        for (String type : List.of("text/plain", "application/xml", "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded", "application/jsonx", "json", "*/*", "")) {
            c.add(malformed("content-type-" + c.size(), h.post(pay, create(Map.of())).header("content-type", type)));
        }
        c.add(malformed("refund-text-plain", h.post(pay + "/" + VALID_ID + "/refunds", "{\"amount\":1}")
                .header("content-type", "text/plain")));
        for (String encoded : List.of("!!!", "====", "e30", "eyJ9", "-_-_", Base64.getEncoder().encodeToString(
                new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0x7b}))) {
            c.add(malformed("base64-" + c.size(), h.post(pay, null).rawBase64Body(encoded)));
        }

        // Operations with bad bodies.
        String capture = pay + "/" + VALID_ID + "/capture";
        String refunds = pay + "/" + VALID_ID + "/refunds";
        String cancel = pay + "/" + VALID_ID + "/cancel";
        for (String body : List.of("{\"amount\":\"1\"}", "{\"amount\":0}", "{\"amount\":1.5}", "[]", "{\"x\":1}", "null",
                "{\"amount\":2501}", "{\"amount\":-5}")) {
            c.add(malformed("capture-body-" + c.size(), h.post(capture, body)));
        }
        for (String body : List.of("{}", "{\"amount\":-1}", "{\"amount\":1.5e0}", "{\"amount\":null}", "", "{\"amount\":2501}",
                "{\"amount\":1,\"reason\":\"x\"}", "{\"amount\":[1]}")) {
            c.add(malformed("refund-body-" + c.size(), h.post(refunds, body)));
        }
        for (String body : List.of("{\"reason\":\"x\"}", "[]", "\"text\"", "{\"amount\":1}")) {
            c.add(malformed("cancel-body-" + c.size(), h.post(cancel, body)));
        }

        // Unknown fields and attempts to set server-owned fields.
        for (String field : List.of("merchantId", "__proto__", "constructor", "Amount", "amount ", "$where", "",
                "id", "status", "capturedAmount", "x".repeat(100))) {
            c.add(malformed("unknown-field-" + c.size(), h.post(pay, create(Map.of(field, "\"x\"")))));
        }

        // Payment methods that are not tokens.
        for (String method : List.of("tok_", "tok_a b", "TOK_abcd", "pm_", "tok_" + "a".repeat(65), "card_1234",
                "tok_visa;DROP", "", "tok_visa_4242\\n", "tok_../../x", "tok_visa\\u0000")) {
            c.add(malformed("payment-method-" + c.size(), h.post(pay, create(Map.of("paymentMethod", q(method))))));
        }
        return c;
    }

    private static Hostile malformed(String name, Request request) {
        return new Hostile(name, Kind.MALFORMED, request);
    }

    private static Hostile tolerated(String name, Request request) {
        return new Hostile(name, Kind.TOLERATED, request);
    }

    /** A valid create body with some fields replaced by raw JSON text (a null value removes the field). */
    private static String create(Map<String, String> rawOverrides) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("amount", "2500");
        fields.put("currency", "\"USD\"");
        fields.put("paymentMethod", q(TOKEN));
        fields.put("description", "\"hostile input\"");
        fields.putAll(rawOverrides);
        return fields.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> q(e.getKey()) + ":" + e.getValue()).collect(Collectors.joining(",", "{", "}"));
    }

    /** A JSON string literal of text that is already JSON-escaped where it needs to be. */
    private static String q(String text) {
        return "\"" + text + "\"";
    }

    private static String padTo(int bytes) {
        String head = create(Map.of("description", "\"\""));
        return head.replace("\"description\":\"\"", "\"description\":\"" + "p".repeat(bytes - head.length()) + "\"");
    }

    private static String manyEntries(int n) {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        return s.append('}').toString();
    }

    // ---- generated input --------------------------------------------------------------------------------

    @Property(tries = 300)
    void randomJsonishBodies_neverFailTheServerOrLeak(@ForAll("jsonish") String body) {
        Response[] r = new Response[1];
        String log = capturingOutput(() -> r[0] = new HandlerHarness().post("/payments", body).send());

        assertThat(check("jsonish", r[0], false)).as(body).isEmpty();
        assertThat(logLeaks(log)).as(body).isEmpty();
    }

    @Property(tries = 300)
    void randomValuesInEveryField_neverFailTheServerOrLeak(@ForAll("anyValue") Object amount,
                                                           @ForAll("anyValue") Object currency,
                                                           @ForAll("anyValue") Object paymentMethod,
                                                           @ForAll("anyValue") Object description,
                                                           @ForAll("anyValue") Object metadataKeyOrValue,
                                                           @ForAll("anyValue") Object capture) {
        ObjectNode body = JSON.createObjectNode();
        body.set("amount", JSON.valueToTree(amount));
        body.set("currency", JSON.valueToTree(currency));
        body.set("paymentMethod", JSON.valueToTree(paymentMethod));
        body.set("description", JSON.valueToTree(description));
        body.putObject("metadata").set(String.valueOf(metadataKeyOrValue), JSON.valueToTree(metadataKeyOrValue));
        body.set("capture", JSON.valueToTree(capture));

        Response[] r = new Response[1];
        String log = capturingOutput(() -> r[0] = new HandlerHarness().post("/payments", body.toString()).send());

        // A value the API refuses is never quoted back; distinctive ones are checked (short ones occur naturally).
        List<String> submitted = java.util.stream.Stream.of(currency, paymentMethod, description)
                .filter(v -> v instanceof String s && s.length() >= 12 && s.chars().distinct().count() >= 4)
                .map(String.class::cast).toList();
        assertThat(check("fields", r[0], false, r[0].status() >= 400 ? submitted : List.of())).as(body.toString())
                .isEmpty();
        assertThat(logLeaks(log)).as(body.toString()).isEmpty();
    }

    @Property(tries = 300)
    void randomStringsInPathQueryHeadersAndClaims_neverFailTheServerOrLeak(@ForAll("anyString") String segment,
                                                                           @ForAll("anyString") String limit,
                                                                           @ForAll("anyString") String cursor,
                                                                           @ForAll("anyString") String merchant,
                                                                           @ForAll("anyString") String key) {
        List<Response> answers = new ArrayList<>();
        String log = capturingOutput(() -> {
            HandlerHarness harness = new HandlerHarness();
            answers.add(harness.get("/payments/" + segment).merchant(merchant).send());
            answers.add(harness.get("/payments").query("limit", limit).query("cursor", cursor).send());
            answers.add(harness.post("/payments/" + segment + "/capture", "{}").header("idempotency-key", key).send());
            answers.add(harness.post("/payments", create(Map.of())).header("idempotency-key", key).merchant(merchant)
                    .send());
        });

        for (Response r : answers) {
            assertThat(check("strings", r, false)).as(r.toString()).isEmpty();
        }
        assertThat(logLeaks(log)).isEmpty();
    }

    @Provide
    Arbitrary<String> anyString() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(80),
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withChars("0123456789 -").ofMinLength(12).ofMaxLength(24),
                Arbitraries.of("", "..", "%2e%2e", "/", "\u0000", "pay_", "tok_visa_4242", "merchant_demo"));
    }

    @Provide
    Arbitrary<Object> anyValue() {
        Arbitrary<Object> scalars = Arbitraries.oneOf(
                anyString().map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.bigIntegers().between(java.math.BigInteger.ONE.shiftLeft(62),
                        java.math.BigInteger.ONE.shiftLeft(70)).map(b -> (Object) b),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.of("USD", "EUR", "JPY", "tok_visa_4242", "2500").map(s -> (Object) s)).injectNull(0.1);
        return Arbitraries.oneOf(scalars,
                scalars.list().ofMaxSize(3).map(l -> (Object) l),
                Arbitraries.maps(anyString(), scalars).ofMaxSize(3).map(m -> (Object) m));
    }

    /** JSON-like text: real JSON fragments, cut and spliced, plus random characters. */
    @Provide
    Arbitrary<String> jsonish() {
        Arbitrary<String> tokens = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"amount\"", "\"currency\"",
                "\"paymentMethod\"", "\"metadata\"", "\"USD\"", "2500", "-1", "1.5e400", "true", "null", "\"",
                "\\", "\\u0000", "\"tok_visa_4242\"", "4111111111111111", " ", "\n", "\uFEFF", "\uD800");
        Arbitrary<String> spliced = tokens.list().ofMaxSize(60).map(l -> String.join("", l));
        Arbitrary<String> truncated = Arbitraries.integers().between(0, 120).map(n -> {
            String valid = create(Map.of("metadata", "{\"a\":\"b\"}", "capture", "true"));
            return valid.substring(0, Math.min(n, valid.length()));
        });
        return Arbitraries.oneOf(spliced, truncated, Arbitraries.strings().all().ofMaxLength(200));
    }
}
