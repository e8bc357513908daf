package com.acme.payments.service;

import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PaymentValidatorTest {
    private static final AppConfig CONFIG = new AppConfig(URI.create("https://processor.example"), "secret-key",
            Duration.ofSeconds(3), Map.of("USD", 1_000_000L, "EUR", 500_000L, "JPY", 100_000_000L), Map.of());
    private static final String PAN = "4111111111111111";
    private static final String TOKEN = "tok_visa_4242";

    private static CreatePaymentCommand command(long amount, String currency, String paymentMethod, String description,
                                                Map<String, String> metadata) {
        return new CreatePaymentCommand(amount, currency, paymentMethod, description, metadata, false);
    }

    private static CreatePaymentCommand valid() {
        return command(2_500, "USD", TOKEN, "order 42", Map.of("order", "42"));
    }

    private static List<FieldError> errors(CreatePaymentCommand command) {
        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> PaymentValidator.validate(command, CONFIG));
        assertThat(e).as("expected a ValidationException").isNotNull();
        return e.errors();
    }

    @Test
    void validCommand_passes() {
        assertThatCode(() -> PaymentValidator.validate(valid(), CONFIG)).doesNotThrowAnyException();
    }

    // ---- currency ----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"usd", "Usd", "US", "USDX", "U1D", " USD"})
    void currency_mustBeAnUppercaseIsoCode(String currency) {
        assertThat(errors(command(100, currency, TOKEN, null, Map.of())))
                .containsExactly(new FieldError("currency", "must be an uppercase ISO 4217 code"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"GBP", "XYZ", "KWD"})
    void currency_mustBeOneOfTheConfiguredCurrencies(String currency) {
        List<FieldError> errors = errors(command(100, currency, TOKEN, null, Map.of()));

        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("currency");
            assertThat(e.detail()).startsWith("is not accepted").contains("USD", "EUR", "JPY")
                    .doesNotContain(currency);
        });
    }

    // ---- amount -------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void amount_mustBePositive(long amount) {
        assertThat(errors(command(amount, "USD", TOKEN, null, Map.of())))
                .containsExactly(new FieldError("amount", "must be a positive integer in minor units"));
    }

    @Test
    void amount_aboveTheCurrencyMaximum_isRejected_butTheMaximumItselfIsAccepted() {
        assertThat(errors(command(1_000_001, "USD", TOKEN, null, Map.of())))
                .containsExactly(new FieldError("amount", "exceeds the maximum 1000000 for USD"));
        assertThatCode(() -> PaymentValidator.validate(command(1_000_000, "USD", TOKEN, null, Map.of()), CONFIG))
                .doesNotThrowAnyException();
    }

    @Test
    void amount_limitIsPerCurrency() {
        // 600000 is fine in USD, too much in EUR: the limit of the payment's own currency applies.
        assertThatCode(() -> PaymentValidator.validate(command(600_000, "USD", TOKEN, null, Map.of()), CONFIG))
                .doesNotThrowAnyException();
        assertThat(errors(command(600_000, "EUR", TOKEN, null, Map.of())))
                .extracting(FieldError::field).containsExactly("amount");
        assertThatCode(() -> PaymentValidator.validate(command(100_000_000, "JPY", TOKEN, null, Map.of()), CONFIG))
                .doesNotThrowAnyException();
    }

    // ---- payment method -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"tok_abcd", "pm_card_visa", "tok_visa_4242",
            "tok_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789a"}) // 64 characters after tok_
    void paymentMethod_acceptsTokenShapes(String token) {
        assertThatCode(() -> PaymentValidator.validate(command(100, "USD", token, null, Map.of()), CONFIG))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"card_abcd1234", "tok_abc", "tok_", "tok_abc$def", "tok_abc def", "TOK_abcd1234", "tok-abcd1234"})
    void paymentMethod_thatIsNotATokenShape_isRejected(String method) {
        assertThat(errors(command(100, "USD", method, null, Map.of())))
                .containsExactly(new FieldError("paymentMethod", "must be a payment-method token such as tok_…"));
    }

    @Test
    void paymentMethod_tooLong_isRejected() {
        assertThat(errors(command(100, "USD", "tok_" + "a".repeat(65), null, Map.of())))
                .extracting(FieldError::field).containsExactly("paymentMethod");
    }

    @ParameterizedTest
    @NullAndEmptySource
    void paymentMethod_isRequired(String method) {
        assertThat(errors(command(100, "USD", method, null, Map.of())))
                .containsExactly(new FieldError("paymentMethod", "is required"));
    }

    // ---- PANs: rejected everywhere, never echoed ---------------------------------------------------------------

    static Stream<Arguments> panPlacements() {
        return Stream.of(
                Arguments.of("paymentMethod", command(100, "USD", PAN, null, Map.of())),
                Arguments.of("paymentMethod", command(100, "USD", "4111 1111 1111 1111", null, Map.of())),
                Arguments.of("paymentMethod", command(100, "USD", "tok_" + PAN, null, Map.of())),
                Arguments.of("description", command(100, "USD", TOKEN, "card " + PAN + " exp 12/30", Map.of())),
                Arguments.of("metadata", command(100, "USD", TOKEN, null, Map.of("card", PAN))),
                Arguments.of("metadata", command(100, "USD", TOKEN, null, Map.of(PAN, "x"))),
                // The key is a PAN and its value breaks a rule too: the key must not become the field name.
                Arguments.of("metadata", command(100, "USD", TOKEN, null, Map.of(PAN, "x".repeat(501)))),
                Arguments.of("metadata", command(100, "USD", TOKEN, null, Map.of(PAN, "line\nbreak"))));
    }

    @ParameterizedTest
    @MethodSource("panPlacements")
    void panAnywhere_isRejected_withoutEchoingItsDigits(String field, CreatePaymentCommand command) {
        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> PaymentValidator.validate(command, CONFIG));

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
        assertThat(errors(command(100, "USD", TOKEN, "d".repeat(256), Map.of())))
                .containsExactly(new FieldError("description", "must be at most 255 characters"));
        assertThatCode(() -> PaymentValidator.validate(command(100, "USD", TOKEN, "d".repeat(255), Map.of()), CONFIG))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "line\nbreak", "tab\there", "esc\u001b[31m", "del\u007f", "ls\u2028", "ps\u2029",
            "c1\u0085"})
    void description_withControlCharacters_isRejected(String description) {
        assertThat(errors(command(100, "USD", TOKEN, description, Map.of())))
                .containsExactly(new FieldError("description", "must not contain control characters"));
    }

    @Test
    void description_withUnicodeText_isAccepted() {
        assertThatCode(() -> PaymentValidator.validate(command(100, "USD", TOKEN, "Café – 東京 🚀", Map.of()), CONFIG))
                .doesNotThrowAnyException();
    }

    // ---- metadata -----------------------------------------------------------------------------------------------

    @Test
    void metadata_withMoreThan20Entries_isRejected_but20AreAccepted() {
        assertThat(errors(command(100, "USD", TOKEN, null, entries(21))))
                .containsExactly(new FieldError("metadata", "must have at most 20 entries"));
        assertThatCode(() -> PaymentValidator.validate(command(100, "USD", TOKEN, null, entries(20)), CONFIG))
                .doesNotThrowAnyException();
    }

    @Test
    void metadata_keyMustBe1To40PrintableCharacters() {
        assertThat(errors(command(100, "USD", TOKEN, null, Map.of("k".repeat(41), "v"))))
                .extracting(FieldError::field).containsExactly("metadata");
        assertThat(errors(command(100, "USD", TOKEN, null, Map.of("", "v"))))
                .extracting(FieldError::field).containsExactly("metadata");
        assertThat(errors(command(100, "USD", TOKEN, null, Map.of("a\u0000b", "v"))))
                .extracting(FieldError::field).containsExactly("metadata");
    }

    @Test
    void metadata_valueMustBeAtMost500PrintableCharacters_andNamesItsKey() {
        assertThat(errors(command(100, "USD", TOKEN, null, Map.of("note", "v".repeat(501)))))
                .containsExactly(new FieldError("metadata.note", "must be a string of at most 500 printable characters"));
        assertThat(errors(command(100, "USD", TOKEN, null, Map.of("note", "a\rb"))))
                .extracting(FieldError::field).containsExactly("metadata.note");
        assertThatCode(() -> PaymentValidator.validate(command(100, "USD", TOKEN, null, Map.of("note", "v".repeat(500))),
                CONFIG)).doesNotThrowAnyException();
    }

    // ---- all at once ---------------------------------------------------------------------------------------------

    @Test
    void everyBrokenRule_isReportedInOneException() {
        // A client fixes all problems in one round trip instead of discovering them one by one.
        List<FieldError> errors = errors(command(0, "usd", "card", "x".repeat(300), Map.of("k", "a\u0000")));

        assertThat(errors).extracting(FieldError::field)
                .containsExactlyInAnyOrder("currency", "amount", "paymentMethod", "description", "metadata.k");
    }

    // ---- mask ----------------------------------------------------------------------------------------------------

    @Test
    void mask_keepsOnlyTheTypePrefixAndTheLastFourCharacters() {
        assertThat(PaymentValidator.mask("tok_visa_4242")).isEqualTo("tok_…4242");
        assertThat(PaymentValidator.mask("pm_card_1881")).isEqualTo("pm_…1881");
        assertThat(PaymentValidator.mask("abcd")).isEqualTo("…");
    }

    private static Map<String, String> entries(int n) {
        Map<String, String> m = new LinkedHashMap<>();
        IntStream.range(0, n).forEach(i -> m.put("key" + i, "value" + i));
        return m;
    }
}
