package com.acme.payments.api;

import com.acme.payments.domain.Operation;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.domain.PendingCall;
import com.acme.payments.domain.Refund;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.domain.Transition;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streaming {@link JsonCodec} (issue 15) against the databind codec it replaced ({@link DatabindReferenceCodec}):
 * for every body, the same refusal (status, title, field errors) or the same command, the same idempotency
 * fingerprint (the canonical text, which also derives payment ids: a different spelling would break a retry across a
 * deploy), and byte-identical answers.
 */
class JsonCodecParityTest {
    private static final JsonCodec STREAMING = new JsonCodec();
    private static final DatabindReferenceCodec DATABIND = new DatabindReferenceCodec();

    /** Bodies chosen for the places where a hand-written reader could drift from databind's tree. */
    static Stream<String> edgeBodies() {
        List<String> bodies = new ArrayList<>(List.of(
                "{}", " { } ", "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa4242\"}",
                // whole numbers spelled as floats, exponents, zeros, signs
                "{\"amount\":2500.0}", "{\"amount\":2.5e3}", "{\"amount\":25E2}", "{\"amount\":2500.00}",
                "{\"amount\":2.5E+3}", "{\"amount\":-0}", "{\"amount\":-0.0}", "{\"amount\":0.0}", "{\"amount\":0e5}",
                "{\"amount\":1e2,\"b\":[1.50,2,{\"z\":1,\"a\":null}],\"A\":\"\\u00e9\\u0001/\"}",
                "{\"amount\":100.10}", "{\"amount\":1.0E-5}", "{\"amount\":2500.5}",
                // exact integers at and past the edges of long and of 2^53
                "{\"amount\":9007199254740991}", "{\"amount\":9007199254740992}", "{\"amount\":9007199254740993.0}",
                "{\"amount\":9223372036854775807}", "{\"amount\":9223372036854775808}",
                "{\"amount\":-9223372036854775809}", "{\"amount\":12345678901234567890}",
                "{\"amount\":" + "9".repeat(40) + "}", "{\"amount\":" + "9".repeat(41) + "}",
                // numbers no decimal can hold, or whose trailing zeros cannot be stripped
                "{\"amount\":1e400}", "{\"amount\":1.5e4004111111111111111}", "{\"amount\":1e-2147483648}",
                "{\"amount\":1e2147483647}", "{\"amount\":10e2147483647}", "{\"amount\":1.0e-2147483647}",
                "{\"amount\":NaN}", "{\"amount\":Infinity}", "{\"amount\":01}", "{\"amount\":.5}", "{\"amount\":+1}",
                // card numbers as keys, values and numbers, nested
                "{\"amount\":4242424242424242}", "{\"amount\":4242424242424242.0}", "{\"x\":4242424242424240.0}",
                "{\"4242424242424242\":1}", "{\"m\":{\"a\":[1,{\"b\":\"4242 4242 4242 4242\"}]}}",
                "{\"metadata\":{\"4242424242424242\":\"v\"}}",
                // types
                "{\"amount\":\"2500\"}", "{\"amount\":true}", "{\"amount\":null}", "{\"amount\":[]}",
                "{\"amount\":{}}", "{\"capture\":\"true\"}", "{\"capture\":null}", "{\"capture\":1}",
                "{\"metadata\":[]}", "{\"metadata\":null}", "{\"metadata\":{\"a\":1,\"b\":\"x\",\"c\":null}}",
                "{\"description\":null,\"currency\":5}",
                // structure
                "{\"a\":1,\"a\":2}", "{\"m\":{\"a\":1,\"a\":1}}", "{} {}", "{} x", "{\"a\":1}garbage", "{\"a\":1}}",
                "null", " null ", "[1]", "\"x\"", "1", "true", "{", "{\"a\":", "{\"a\":1,}", "[", "\uFEFF",
                "\uFEFF{}", "{'a':1}", "{a:1}", "{\"a\":1}\u0000", "{\"a\":\"\u0001\"}",
                "{\"a\":" + "[".repeat(16) + "]".repeat(16) + "}", "{\"a\":" + "[".repeat(15) + "]".repeat(15) + "}",
                "{\"k\":\"" + "v".repeat(16 * 1024 + 1) + "\"}",
                // unknown and odd keys
                "{\"\":1}", "{\"Amount\":1}", "{\"tok_visa4242\":1}", "{\"" + "k".repeat(41) + "\":1}",
                "{\"ü\":1,\"é\":\"\\ud83d\\ude00\",\"\\ud800\":\"\\udc00\"}"));
        return bodies.stream();
    }

    @ParameterizedTest
    @MethodSource("edgeBodies")
    void edgeBodies_readExactlyAsDatabindReadThem(String body) {
        assertSameOutcome(body);
    }

    @Property(tries = 1500)
    void generatedBodies_readExactlyAsDatabindReadThem(@ForAll("bodies") String body) {
        assertSameOutcome(body);
    }

    @Test
    void answers_areByteForByteWhatDatabindWrote() {
        Instant at = Instant.parse("2026-01-05T10:15:30.123456Z");
        Refund refund = new Refund("re_1", 100, RefundStatus.FAILED, at, at, 1, "ref", "declined \"hard\"");
        Payment everyField = new Payment("pay_1", "m", 1000, "EUR", "tok_…4242", "dé\u0001scr/iption\u2028",
                Map.of("k", "v\n", "ü", "\uD83D\uDE00"), false, PaymentStatus.FAILED, 1000, 1000, List.of(refund),
                new PendingCall(Operation.CAPTURE, "att_1", 1000, at, 1), List.of(), "ref", "do_not_honor", "timeout",
                List.of(new Transition(null, PaymentStatus.PENDING, at, null),
                        new Transition(PaymentStatus.PENDING, PaymentStatus.FAILED, at, "timeout")),
                at, at, 3, "us-east-1");
        Payment fewFields = new Payment("pay_2", "m", 1, "JPY", "tok_x", null, Map.of(), true,
                PaymentStatus.CAPTURED, 1, 1, List.of(), null, List.of(), null, null, null, List.of(), at, at, 1,
                "us-east-2");

        for (Payment p : List.of(everyField, fewFields)) {
            assertThat(STREAMING.write(STREAMING.payment(p))).isEqualTo(DATABIND.write(DATABIND.payment(p)));
        }
        assertThat(STREAMING.write(STREAMING.refund(refund))).isEqualTo(DATABIND.write(DATABIND.refund(refund)));
    }

    @Test
    void theCheckCanFail_aDifferentFingerprintIsSeen() {
        // The comparison itself must notice a difference: the same body with reordered keys is the same
        // fingerprint, a different amount is not.
        assertThat(STREAMING.canonical(STREAMING.parseObject("{\"b\":1,\"a\":2.50}", false)))
                .isEqualTo(DATABIND.canonical(DATABIND.parseObject("{\"a\":2.5,\"b\":1}", false)))
                .isEqualTo("{\"a\":2.5,\"b\":1}")
                .isNotEqualTo(DATABIND.canonical(DATABIND.parseObject("{\"a\":2.51,\"b\":1}", false)));
    }

    private static void assertSameOutcome(String body) {
        for (boolean optional : new boolean[] {false, true}) {
            String streaming = outcome(() -> STREAMING.parseObject(body, optional), parsed -> List.of(
                    outcome(() -> STREAMING.createCommand(parsed)),
                    outcome(() -> STREAMING.amountOnly(parsed, false)),
                    outcome(() -> STREAMING.amountOnly(parsed, true)),
                    outcome(() -> {
                        STREAMING.emptyObject(parsed);
                        return "empty";
                    }),
                    outcome(() -> STREAMING.canonical(parsed))));
            String databind = outcome(() -> DATABIND.parseObject(body, optional), parsed -> List.of(
                    outcome(() -> DATABIND.createCommand(parsed)),
                    outcome(() -> DATABIND.amountOnly(parsed, false)),
                    outcome(() -> DATABIND.amountOnly(parsed, true)),
                    outcome(() -> {
                        DATABIND.emptyObject(parsed);
                        return "empty";
                    }),
                    outcome(() -> DATABIND.canonical(parsed))));
            assertThat(streaming).as("body %s (optional %s)", body, optional).isEqualTo(databind);
        }
    }

    private static <T> String outcome(java.util.function.Supplier<T> parse, Function<T, List<String>> then) {
        T parsed;
        try {
            parsed = parse.get();
        } catch (RuntimeException e) {
            return refusal(e);
        }
        return "parsed " + then.apply(parsed);
    }

    private static String outcome(java.util.function.Supplier<?> step) {
        try {
            return String.valueOf(step.get());
        } catch (RuntimeException e) {
            return refusal(e);
        }
    }

    private static String refusal(RuntimeException e) {
        if (e instanceof BadRequestException b) {
            return "refused " + b.status() + " " + b.title() + " " + b.errors();
        }
        return "threw " + e.getClass().getName();
    }

    // ---- generated bodies: JSON built from the fields the API reads, then sometimes damaged ----------------------

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> object = object(3);
        Arbitrary<String> damaged = Arbitraries.oneOf(
                object.map(s -> s.substring(0, s.length() / 2)),
                object.map(s -> s + " " + s),
                object.map(s -> "\uFEFF" + s),
                object.map(s -> s.replaceFirst(":", "::")),
                object.map(s -> s.replace("}", ",}")));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, object),
                net.jqwik.api.Tuple.of(2, damaged),
                net.jqwik.api.Tuple.of(1, value(2)));
    }

    private static Arbitrary<String> object(int depth) {
        Arbitrary<String> member = Arbitraries.oneOf(
                key().flatMap(k -> value(depth - 1).map(v -> k + ":" + v)),
                Arbitraries.of("\"amount\"").flatMap(k -> number().map(v -> k + ":" + v)),
                Arbitraries.of("\"metadata\"").flatMap(k -> metadata().map(v -> k + ":" + v)),
                Arbitraries.of("\"capture\":true", "\"capture\":false", "\"currency\":\"USD\"",
                        "\"currency\":\"usd\"", "\"paymentMethod\":\"tok_visa4242\"", "\"description\":\"d\"",
                        "\"description\":null", "\"paymentMethod\":\"4242424242424242\""));
        return member.list().ofMaxSize(6).map(members -> "{" + String.join(",", members) + "}");
    }

    private static Arbitrary<String> metadata() {
        return Arbitraries.oneOf(
                key().flatMap(k -> string().map(v -> k + ":" + v)),
                key().flatMap(k -> number().map(v -> k + ":" + v)))
                .list().ofMaxSize(3).map(members -> "{" + String.join(",", members) + "}");
    }

    private static Arbitrary<String> value(int depth) {
        List<Arbitrary<String>> choices = new ArrayList<>(List.of(string(), number(),
                Arbitraries.of("true", "false", "null")));
        if (depth > 0) {
            choices.add(object(depth));
            choices.add(Arbitraries.lazy(() -> value(depth - 1)).list().ofMaxSize(3)
                    .map(items -> "[" + String.join(",", items) + "]"));
        }
        return Arbitraries.oneOf(choices);
    }

    private static Arbitrary<String> key() {
        return Arbitraries.oneOf(
                Arbitraries.of("\"amount\"", "\"currency\"", "\"paymentMethod\"", "\"description\"", "\"metadata\"",
                        "\"capture\"", "\"a\"", "\"b\"", "\"B\"", "\"\"", "\"é\"", "\"4242424242424242\""),
                Arbitraries.strings().withCharRange(' ', '~').excludeChars('"', '\\').ofMaxLength(8)
                        .map(s -> "\"" + s + "\""));
    }

    private static Arbitrary<String> string() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').excludeChars('"', '\\').ofMaxLength(12),
                Arbitraries.of("\\u00e9", "\\n", "\\\"", "\\ud83d\\ude00", "4242424242424242", "tok_visa4242", "é",
                        "\\u0000", "/"))
                .map(s -> "\"" + s + "\"");
    }

    private static Arbitrary<String> number() {
        Arbitrary<String> spelled = Arbitraries.of("0", "-0", "0.0", "-0.0", "1", "2500", "2500.0", "2.5e3", "25E2",
                "2.50E+3", "1e-2", "0.5", "100.10", "1e400", "9007199254740993", "9007199254740993.0",
                "9223372036854775808", "4242424242424242", "4242424242424242.0", "1.5e4004111111111111111", "01",
                "1.", "-", "1e", "1E+2147483648");
        Arbitrary<String> integer = Arbitraries.longs().map(String::valueOf);
        Arbitrary<String> decimal = Arbitraries.bigDecimals().ofScale(3).map(d -> d.toPlainString());
        Arbitrary<String> exponent = Arbitraries.integers().between(-400, 400).flatMap(e ->
                Arbitraries.integers().between(0, 99999).map(m -> m + "e" + e));
        return Arbitraries.oneOf(spelled, integer, decimal, exponent);
    }
}
