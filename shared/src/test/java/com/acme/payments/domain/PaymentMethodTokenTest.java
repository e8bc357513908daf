package com.acme.payments.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PaymentMethodTokenTest {

    @ParameterizedTest(name = "{0} is masked as {1}")
    @CsvSource({
            "tok_visa_4242, tok_…4242",
            "tok_visa4242, tok_…4242",
            "pm_card_1881, pm_…1881",
            "tok_abcd, tok_…abcd"})
    void masked_keepsOnlyTheTypePrefixAndTheLastFourCharacters(String token, String masked) {
        assertThat(PaymentMethodToken.of(token).masked()).isEqualTo(masked);
    }

    @Test
    void toString_isMasked_soATokenCannotReachALogByAccident() {
        PaymentMethodToken token = PaymentMethodToken.of("tok_visa_secret_4242");

        assertThat(token.toString()).isEqualTo("tok_…4242").doesNotContain("secret");
        assertThat(String.valueOf(token)).doesNotContain("visa_secret");
        assertThat("paying with " + token).doesNotContain("visa_secret");
    }

    @Test
    void reveal_givesTheTokenItself_forTheProcessorCall() {
        assertThat(PaymentMethodToken.of("tok_visa_4242").reveal()).isEqualTo("tok_visa_4242");
    }

    @Test
    void equality_isByTheWholeToken_notTheMask() {
        assertThat(PaymentMethodToken.of("tok_aaaa_4242")).isEqualTo(PaymentMethodToken.of("tok_aaaa_4242"))
                .hasSameHashCodeAs(PaymentMethodToken.of("tok_aaaa_4242"))
                .isNotEqualTo(PaymentMethodToken.of("tok_bbbb_4242"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "tok_4111111111111111",
            "5555555555554444"})
    void aCardNumber_isRefused_withoutEchoingIt(String text) {
        assertThatThrownBy(() -> PaymentMethodToken.of(text)).isInstanceOfSatisfying(ValidationException.class, e -> {
            assertThat(e.errors()).singleElement().satisfies(err -> {
                assertThat(err.field()).isEqualTo("paymentMethod");
                assertThat(err.detail()).contains("card number").doesNotContain("1111", "4444");
            });
            assertThat(e.getMessage()).doesNotContain("1111", "4444");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"card_abcd1234", "tok_abc", "tok_", "tok_abc$def", "tok_abc def", "TOK_abcd1234",
            "tok-abcd1234", " tok_abcd1234", "tok_abcd1234\n"})
    void textThatIsNotATokenShape_isRefused_withoutEchoingIt(String text) {
        assertThatThrownBy(() -> PaymentMethodToken.of(text)).isInstanceOfSatisfying(ValidationException.class,
                e -> assertThat(e.errors()).containsExactly(
                        new FieldError("paymentMethod", "must be a payment-method token such as tok_…")));
    }

    @Test
    void aTokenLongerThan64CharactersAfterItsPrefix_isRefused() {
        assertThat(PaymentMethodToken.of("tok_" + "a".repeat(64)).reveal()).hasSize(68);
        assertThatThrownBy(() -> PaymentMethodToken.of("tok_" + "a".repeat(65))).isInstanceOf(ValidationException.class);
    }

    @ParameterizedTest
    @NullAndEmptySource
    void aMissingToken_isRequired(String text) {
        assertThatThrownBy(() -> PaymentMethodToken.of(text)).isInstanceOfSatisfying(ValidationException.class,
                e -> assertThat(e.errors()).containsExactly(new FieldError("paymentMethod", "is required")));
    }

    @Test
    void appearsIn_findsTokenShapesInFreeText() {
        assertThat(PaymentMethodToken.appearsIn("charge tok_visa_4242 now")).isTrue();
        assertThat(PaymentMethodToken.appearsIn("pm_card_1881")).isTrue();
        assertThat(PaymentMethodToken.appearsIn("token tok_ only")).isFalse();
        assertThat(PaymentMethodToken.appearsIn("nothing here")).isFalse();
        assertThat(PaymentMethodToken.appearsIn(null)).isFalse();
    }
}
