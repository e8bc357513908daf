package com.acme.payments.service;

import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.Money;
import com.acme.payments.domain.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.EmptySource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every intrinsic rule of a create request, checked once where the command is made. The configured policy (which
 * currencies, up to which amount) changes at run time and is the service's to check: see PaymentServiceTest.
 */
class CreatePaymentCommandTest {
    private static final String PAN = "4111111111111111";
    private static final String TOKEN = "tok_visa_4242";

    /** The arguments of {@link CreatePaymentCommand#of}, made into a command only when {@link #make} runs. */
    record Input(Long amount, String currency, String paymentMethod, String description, Map<String, String> metadata) {
        CreatePaymentCommand make() {
            return CreatePaymentCommand.of(amount, currency, paymentMethod, description, metadata, false);
        }
    }

    private static Input command(Long amount, String currency, String paymentMethod, String description,
                                 Map<String, String> metadata) {
        return new Input(amount, currency, paymentMethod, description, metadata);
    }

    private static Input valid() {
        return command(2_500L, "USD", TOKEN, "order 42", Map.of("order", "42"));
    }

    private static List<FieldError> errors(Input input) {
        ValidationException e = catchThrowableOfType(ValidationException.class, input::make);
        assertThat(e).as("expected a ValidationException").isNotNull();
        return e.errors();
    }

    @Test
    void validInput_makesACommandHoldingMoneyAndATokenType() {
        CreatePaymentCommand command = CreatePaymentCommand.of(2_500L, "USD", TOKEN, "order 42", Map.of("order", "42"),
                true);

        assertThat(command.amount()).isEqualTo(Money.of(2_500, "USD"));
        assertThat(command.paymentMethod().reveal()).isEqualTo(TOKEN);
        assertThat(command.paymentMethod().masked()).isEqualTo("tok_…4242");
        assertThat(command.description()).isEqualTo("order 42");
        assertThat(command.metadata()).containsExactly(Map.entry("order", "42"));
        assertThat(command.capture()).isTrue();
    }

    @Test
    void command_neverShowsTheTokenOrItsTextInToString() {
        CreatePaymentCommand command = valid().make();

        assertThat(command.toString()).doesNotContain(TOKEN).doesNotContain("order 42").contains("25.00 USD");
    }

    @Test
    void command_copiesItsMetadata() {
        Map<String, String> metadata = new LinkedHashMap<>(Map.of("order", "42"));
        CreatePaymentCommand command = command(100L, "USD", TOKEN, null, metadata).make();
        metadata.put("later", "x");

        assertThat(command.metadata()).containsOnlyKeys("order");
        assertThat(command(100L, "USD", TOKEN, null, null).make().metadata()).isEmpty();
    }

    // ---- currency ----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EmptySource
    @ValueSource(strings = {"usd", "Usd", "US", "USDX", "U1D", " USD", "XYZ", "XXX", "XTS"})
    void currency_mustBeAnUppercaseIsoCodeWithAMinorUnit(String currency) {
        // XYZ is no ISO 4217 code; XXX ("no currency") and XTS (testing) are codes without a minor unit.
        assertThat(errors(command(100L, currency, TOKEN, null, Map.of())))
                .containsExactly(new FieldError("currency", "must be an uppercase ISO 4217 code"));
    }

    @Test
    void currency_isRequired() {
        assertThat(errors(command(100L, null, TOKEN, null, Map.of())))
                .containsExactly(new FieldError("currency", "is required"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"USD", "JPY", "KWD", "GBP"})
    void currency_anyIsoCodeWithAMinorUnit_makesACommand_whetherOrNotThePolicyAcceptsIt(String currency) {
        assertThat(command(100L, currency, TOKEN, null, Map.of()).make().amount().currency()).isEqualTo(currency);
    }

    // ---- amount -------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void amount_mustBePositive(long amount) {
        assertThat(errors(command(amount, "USD", TOKEN, null, Map.of())))
                .containsExactly(new FieldError("amount", "must be a positive integer in minor units"));
    }

    @Test
    void amount_isRequired() {
        assertThat(errors(command(null, "USD", TOKEN, null, Map.of())))
                .containsExactly(new FieldError("amount", "is required"));
    }

    @Test
    void amount_aboveWhatJsonClientsReadExactly_isTooLarge_butTheLargestExactIntegerIsAccepted() {
        assertThat(errors(command(Money.MAX_EXACT_JSON + 1, "USD", TOKEN, null, Map.of())))
                .containsExactly(new FieldError("amount", "is too large"));
        assertThat(errors(command(Long.MAX_VALUE, "USD", TOKEN, null, Map.of())))
                .containsExactly(new FieldError("amount", "is too large"));
        assertThat(command(Money.MAX_EXACT_JSON, "USD", TOKEN, null, Map.of()).make().amount().minorUnits())
                .isEqualTo(Money.MAX_EXACT_JSON);
    }

    // ---- payment method -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"tok_abcd", "pm_card_visa", "tok_visa_4242",
            "tok_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789a"}) // 64 characters after tok_
    void paymentMethod_acceptsTokenShapes(String token) {
        assertThat(command(100L, "USD", token, null, Map.of()).make().paymentMethod().reveal()).isEqualTo(token);
    }

    @ParameterizedTest
    @ValueSource(strings = {"card_abcd1234", "tok_abc", "tok_", "tok_abc$def", "tok_abc def", "TOK_abcd1234", "tok-abcd1234"})
    void paymentMethod_thatIsNotATokenShape_isRejected(String method) {
        assertThat(errors(command(100L, "USD", method, null, Map.of())))
                .containsExactly(new FieldError("paymentMethod", "must be a payment-method token such as tok_…"));
    }

    @Test
    void paymentMethod_tooLong_isRejected() {
        assertThat(errors(command(100L, "USD", "tok_" + "a".repeat(65), null, Map.of())))
                .extracting(FieldError::field).containsExactly("paymentMethod");
    }

    @ParameterizedTest
    @NullAndEmptySource
    void paymentMethod_isRequired(String method) {
        assertThat(errors(command(100L, "USD", method, null, Map.of())))
                .containsExactly(new FieldError("paymentMethod", "is required"));
    }

    // ---- PANs: rejected everywhere, never echoed ---------------------------------------------------------------

    static Stream<Arguments> panPlacements() {
        return Stream.of(
                Arguments.of("paymentMethod", command(100L, "USD", PAN, null, Map.of())),
                Arguments.of("paymentMethod", command(100L, "USD", "4111 1111 1111 1111", null, Map.of())),
                Arguments.of("paymentMethod", command(100L, "USD", "tok_" + PAN, null, Map.of())),
                Arguments.of("description", command(100L, "USD", TOKEN, "card " + PAN + " exp 12/30", Map.of())),
                Arguments.of("metadata", command(100L, "USD", TOKEN, null, Map.of("card", PAN))),
                Arguments.of("metadata", command(100L, "USD", TOKEN, null, Map.of(PAN, "x"))),
                // The key is a PAN and its value breaks a rule too: the key must not become the field name.
                Arguments.of("metadata", command(100L, "USD", TOKEN, null, Map.of(PAN, "x".repeat(501)))),
                Arguments.of("metadata", command(100L, "USD", TOKEN, null, Map.of(PAN, "line\nbreak"))));
    }

    @ParameterizedTest
    @MethodSource("panPlacements")
    void panAnywhere_isRejected_withoutEchoingItsDigits(String field, Input command) {
        ValidationException e = catchThrowableOfType(ValidationException.class, command::make);

        assertThat(e).isNotNull();
        assertThat(e.errors()).extracting(FieldError::field).contains(field);
        assertThat(e.errors()).anySatisfy(err -> assertThat(err.detail()).contains("card number"));
        for (FieldError err : e.errors()) {
            // Any run of 4+ digits of the PAN would be a partial echo; the field name is shown to clients too.
            assertThat(err.detail()).doesNotContain("4111", "1111");
            assertThat(err.field()).doesNotContain("4111", "1111");
        }
        assertThat(e.getMessage()).doesNotContain("4111");
    }

    // ---- description --------------------------------------------------------------------------------------------

    @Test
    void description_longerThan255Characters_isRejected_but255IsAccepted() {
        assertThat(errors(command(100L, "USD", TOKEN, "d".repeat(256), Map.of())))
                .containsExactly(new FieldError("description", "must be at most 255 characters"));
        assertThatCode(() -> command(100L, "USD", TOKEN, "d".repeat(255), Map.of()).make()).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "line\nbreak", "tab\there", "esc\u001b[31m", "del\u007f", "ls\u2028", "ps\u2029",
            "c1\u0085"})
    void description_withControlCharacters_isRejected(String description) {
        assertThat(errors(command(100L, "USD", TOKEN, description, Map.of())))
                .containsExactly(new FieldError("description", "must not contain control characters"));
    }

    @Test
    void description_withUnicodeText_isAccepted() {
        assertThat(command(100L, "USD", TOKEN, "Café – 東京 🚀", Map.of()).make().description())
                .isEqualTo("Café – 東京 🚀");
    }

    // ---- metadata -----------------------------------------------------------------------------------------------

    @Test
    void metadata_withMoreThan20Entries_isRejected_but20AreAccepted() {
        assertThat(errors(command(100L, "USD", TOKEN, null, entries(21))))
                .containsExactly(new FieldError("metadata", "must have at most 20 entries"));
        assertThat(command(100L, "USD", TOKEN, null, entries(20)).make().metadata()).hasSize(20);
    }

    @Test
    void metadata_keyMustBe1To40PrintableCharacters() {
        assertThat(errors(command(100L, "USD", TOKEN, null, Map.of("k".repeat(41), "v"))))
                .extracting(FieldError::field).containsExactly("metadata");
        assertThat(errors(command(100L, "USD", TOKEN, null, Map.of("", "v"))))
                .extracting(FieldError::field).containsExactly("metadata");
        assertThat(errors(command(100L, "USD", TOKEN, null, Map.of("a\u0000b", "v"))))
                .extracting(FieldError::field).containsExactly("metadata");
    }

    @Test
    void metadata_valueMustBeAtMost500PrintableCharacters_andNamesItsKey() {
        assertThat(errors(command(100L, "USD", TOKEN, null, Map.of("note", "v".repeat(501)))))
                .containsExactly(new FieldError("metadata.note", "must be a string of at most 500 printable characters"));
        assertThat(errors(command(100L, "USD", TOKEN, null, Map.of("note", "a\rb"))))
                .extracting(FieldError::field).containsExactly("metadata.note");
        assertThatCode(() -> command(100L, "USD", TOKEN, null, Map.of("note", "v".repeat(500))).make())
                .doesNotThrowAnyException();
    }

    // ---- all at once ---------------------------------------------------------------------------------------------

    @Test
    void everyBrokenRule_isReportedInOneException() {
        // A client fixes all problems in one round trip instead of discovering them one by one.
        List<FieldError> errors = errors(command(0L, "usd", "card", "x".repeat(300), Map.of("k", "a\u0000")));

        assertThat(errors).extracting(FieldError::field)
                .containsExactlyInAnyOrder("currency", "amount", "paymentMethod", "description", "metadata.k");
    }

    private static Map<String, String> entries(int n) {
        Map<String, String> m = new LinkedHashMap<>();
        IntStream.range(0, n).forEach(i -> m.put("key" + i, "value" + i));
        return m;
    }
}
