package com.acme.payments.adapter.processor;

import com.acme.payments.port.PaymentProcessor.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How every kind of processor answer is read (issue 11, history 4: the client used to fail open). Only the
 * processor's own, well-formed answer, agreeing with its HTTP status, is definitive; everything else is
 * {@link Result.Unknown} and is settled later by a lookup, never guessed.
 */
class HttpPaymentProcessorInterpretTest {
    private static final boolean POST = false;
    private static final boolean LOOKUP = true;
    private static final Result UNKNOWN = new Result.Unknown("any reason");

    private static final String HTML_502 = "<html><head><title>502 Bad Gateway</title></head>"
            + "<body><center><h1>502 Bad Gateway</h1></center></body></html>";
    private static final String HTML_503 = "<!DOCTYPE html><html><body>Service Temporarily Unavailable</body></html>";
    private static final String HTML_504 = "<html><body><h1>504 Gateway Time-out</h1>The server didn't respond in time."
            + "</body></html>";

    /** One processor answer and what it must mean. */
    record Row(String name, int http, String body, boolean lookup, Result expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> table() {
        return Stream.of(
                // ---- approvals: a 2xx with a reference, nothing else
                new Row("approved 200 with reference", 200, "{\"status\":\"approved\",\"reference\":\"auth_1\"}",
                        POST, new Result.Approved("auth_1")),
                new Row("approved 201 with reference", 201, "{\"reference\":\"auth_2\",\"status\":\"approved\"}",
                        POST, new Result.Approved("auth_2")),
                new Row("approved with extra and nested fields", 200, "{\"status\":\"approved\",\"reference\":"
                        + "\"auth_3\",\"risk\":{\"score\":3},\"tags\":[1,2]}", POST, new Result.Approved("auth_3")),
                new Row("approved without reference", 200, "{\"status\":\"approved\"}", POST, UNKNOWN),
                new Row("approved with blank reference", 200, "{\"status\":\"approved\",\"reference\":\" \"}",
                        POST, UNKNOWN),
                new Row("approved with null reference", 200, "{\"status\":\"approved\",\"reference\":null}",
                        POST, UNKNOWN),
                new Row("approved on a 402", 402, "{\"status\":\"approved\",\"reference\":\"auth_1\"}", POST, UNKNOWN),
                new Row("approved on a 500", 500, "{\"status\":\"approved\",\"reference\":\"auth_1\"}", POST, UNKNOWN),
                // ---- declines: a 2xx or a 402
                new Row("declined on 402", 402, "{\"status\":\"declined\",\"reason\":\"card_declined\"}", POST,
                        new Result.Declined("card_declined")),
                new Row("declined on 200", 200, "{\"status\":\"declined\",\"reason\":\"do_not_honor\"}", POST,
                        new Result.Declined("do_not_honor")),
                new Row("declined without a reason", 402, "{\"status\":\"declined\"}", POST,
                        new Result.Declined("declined")),
                new Row("declined on a 500", 500, "{\"status\":\"declined\",\"reason\":\"x\"}", POST, UNKNOWN),
                // ---- failures: the processor itself saying, on a 4xx/5xx, that it did nothing
                new Row("failed 400 with processor JSON", 400, "{\"status\":\"failed\",\"reason\":\"bad_request\"}",
                        POST, new Result.Failed("bad_request")),
                new Row("failed 404 unknown authorization", 404,
                        "{\"status\":\"failed\",\"reason\":\"unknown_authorization\"}", POST,
                        new Result.Failed("unknown_authorization")),
                new Row("failed 500 with processor JSON", 500,
                        "{\"status\":\"failed\",\"reason\":\"processor_error\"}", POST,
                        new Result.Failed("processor_error")),
                new Row("failed 503 with processor JSON", 503,
                        "{\"status\":\"failed\",\"reason\":\"processor_unavailable\"}", POST,
                        new Result.Failed("processor_unavailable")),
                new Row("failed without a reason", 500, "{\"status\":\"failed\"}", POST, new Result.Failed("failed")),
                new Row("failed on a 200", 200, "{\"status\":\"failed\",\"reason\":\"x\"}", POST, UNKNOWN),
                new Row("failed on a 402", 402, "{\"status\":\"failed\",\"reason\":\"x\"}", POST, UNKNOWN),
                // ---- a proxy or load balancer in between, which may have forwarded the call
                new Row("HTML 502 from a proxy", 502, HTML_502, POST, UNKNOWN),
                new Row("HTML 503 from a proxy", 503, HTML_503, POST, UNKNOWN),
                new Row("HTML 504 from a proxy", 504, HTML_504, POST, UNKNOWN),
                new Row("HTML 200 from a captive portal", 200, "<html><body>Sign in</body></html>", POST, UNKNOWN),
                new Row("empty 502", 502, "", POST, UNKNOWN),
                new Row("no body 504", 504, null, POST, UNKNOWN),
                // ---- bodies that are not one well-formed JSON object
                new Row("unparsable 200", 200, "approved", POST, UNKNOWN),
                new Row("truncated 200", 200, "{\"status\":\"approved\",\"reference\":\"auth_1\"", POST, UNKNOWN),
                new Row("trailing garbage 200", 200, "{\"status\":\"approved\",\"reference\":\"auth_1\"} x", POST,
                        UNKNOWN),
                new Row("two objects 200", 200, "{\"status\":\"declined\"}{\"status\":\"approved\"}", POST, UNKNOWN),
                new Row("an array 200", 200, "[{\"status\":\"approved\",\"reference\":\"auth_1\"}]", POST, UNKNOWN),
                new Row("a JSON string 200", 200, "\"approved\"", POST, UNKNOWN),
                new Row("status nested 200", 200, "{\"status\":{\"value\":\"approved\"},\"reference\":\"a\"}", POST,
                        UNKNOWN),
                new Row("status null 200", 200, "{\"status\":null,\"reference\":\"a\"}", POST, UNKNOWN),
                new Row("status upper case 200", 200, "{\"status\":\"APPROVED\",\"reference\":\"a\"}", POST, UNKNOWN),
                new Row("duplicate status keys 200", 200,
                        "{\"status\":\"declined\",\"status\":\"approved\",\"reference\":\"a\"}", POST, UNKNOWN),
                // ---- answers that are not outcomes
                new Row("pending 200", 200, "{\"status\":\"pending\"}", POST, UNKNOWN),
                new Row("pending 202", 202, "{\"status\":\"pending\",\"reference\":\"auth_1\"}", POST, UNKNOWN),
                new Row("409 key in use", 409, "{\"status\":\"failed\",\"reason\":\"idempotency_key_in_use\"}", POST,
                        UNKNOWN),
                new Row("409 key in use while processing", 409, "{\"status\":\"processing\"}", POST, UNKNOWN),
                // ---- lookups
                new Row("lookup 404 not_found", 404, "{\"status\":\"not_found\"}", LOOKUP, new Result.NotFound()),
                new Row("lookup bare 404", 404, "", LOOKUP, UNKNOWN),
                new Row("lookup 404 without body", 404, null, LOOKUP, UNKNOWN),
                new Row("lookup HTML 404 from a proxy", 404, "<html><body>Not Found</body></html>", LOOKUP, UNKNOWN),
                new Row("lookup not_found on a 200", 200, "{\"status\":\"not_found\"}", LOOKUP, UNKNOWN),
                new Row("lookup approved 200", 200, "{\"status\":\"approved\",\"reference\":\"auth_1\"}", LOOKUP,
                        new Result.Approved("auth_1")),
                new Row("lookup declined 200", 200, "{\"status\":\"declined\",\"reason\":\"card_declined\"}", LOOKUP,
                        new Result.Declined("card_declined")),
                new Row("lookup pending 200", 200, "{\"status\":\"pending\"}", LOOKUP, UNKNOWN),
                new Row("lookup HTML 503", 503, HTML_503, LOOKUP, UNKNOWN),
                new Row("not_found on a POST 404", 404, "{\"status\":\"not_found\"}", POST, UNKNOWN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void interpret(Row row) {
        Result result = HttpPaymentProcessor.interpret(row.http(), row.body(), row.lookup());

        if (row.expected() instanceof Result.Unknown) {
            assertThat(result).isInstanceOf(Result.Unknown.class);
        } else {
            assertThat(result).isEqualTo(row.expected());
        }
    }

    @Test
    void table_coversEveryDefinitiveOutcome_andUnknownForEveryHttpClass() {
        List<Row> rows = table().toList();

        assertThat(rows).<Class<?>>extracting(r -> r.expected().getClass()).contains(Result.Approved.class,
                Result.Declined.class, Result.Failed.class, Result.NotFound.class, Result.Unknown.class);
        assertThat(rows).filteredOn(r -> r.expected() instanceof Result.Unknown).extracting(r -> r.http() / 100)
                .contains(2, 4, 5);
        assertThat(rows).extracting(Row::name).doesNotHaveDuplicates();
    }

    @Test
    void anUnknownAnswer_neverCarriesTheBodyIntoItsReason() {
        // The reason is logged and stored: a proxy page or an odd status must not be copied into it.
        Result.Unknown html = (Result.Unknown) HttpPaymentProcessor.interpret(502, HTML_502, POST);
        Result.Unknown odd = (Result.Unknown) HttpPaymentProcessor.interpret(200,
                "{\"status\":\"tok_visa_4242 leaked\"}", POST);

        assertThat(html.reason()).contains("502").doesNotContain("Bad Gateway").doesNotContain("<");
        assertThat(odd.reason()).doesNotContain("tok_visa").doesNotContain("4242");
        assertThat(((Result.Unknown) HttpPaymentProcessor.interpret(200, "{\"status\":\"pending\"}", POST)).reason())
                .contains("pending");
    }
}
