package com.acme.payments.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MoneyTest {

    @ParameterizedTest(name = "{0} has exponent {1}")
    @CsvSource({"USD, 2", "EUR, 2", "JPY, 0", "KRW, 0", "KWD, 3", "BHD, 3"})
    void exponent_isTheIso4217MinorUnit(String currency, int exponent) {
        assertThat(Money.of(1, currency).exponent()).isEqualTo(exponent);
    }

    @ParameterizedTest(name = "{0} {1} is shown as {2}")
    @CsvSource({
            "2500, USD, 25.00 USD",
            "5, USD, 0.05 USD",
            "0, USD, 0.00 USD",
            "1000, JPY, 1000 JPY",
            "1234, KWD, 1.234 KWD",
            "7, KWD, 0.007 KWD"})
    void toString_placesTheDecimalPointByTheExponent(long minorUnits, String currency, String shown) {
        assertThat(Money.of(minorUnits, currency)).hasToString(shown);
    }

    @ParameterizedTest
    @ValueSource(strings = {"usd", "Usd", "uSD"})
    void lowerCaseCodes_areRefused_notNormalised(String currency) {
        assertThatThrownBy(() -> Money.of(100, currency)).isInstanceOfSatisfying(ValidationException.class,
                e -> assertThat(e.errors()).extracting(FieldError::field).containsExactly("currency"));
        assertThat(Money.isCurrency(currency)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"XYZ", "ABC", "US", "USDD", "U$D", ""})
    void unknownOrMalformedCodes_areRefused(String currency) {
        assertThatThrownBy(() -> Money.of(100, currency)).isInstanceOf(ValidationException.class);
        assertThat(Money.isCurrency(currency)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"XXX", "XTS", "XAU"})
    void codesWithoutAMinorUnit_areRefused(String currency) {
        // XXX is "no currency", XTS is reserved for testing, XAU is gold: none has an amount in minor units.
        assertThatThrownBy(() -> Money.of(100, currency)).isInstanceOf(ValidationException.class);
        assertThat(Money.isCurrency(currency)).isFalse();
    }

    @Test
    void aMissingCurrency_isRefused() {
        assertThatThrownBy(() -> Money.of(100, null)).isInstanceOf(ValidationException.class);
        assertThat(Money.isCurrency(null)).isFalse();
    }

    @Test
    void negativeAmounts_areRefused_zeroIsMoney() {
        assertThatThrownBy(() -> Money.of(-1, "USD")).isInstanceOfSatisfying(ValidationException.class,
                e -> assertThat(e.errors()).extracting(FieldError::field).containsExactly("amount"));
        assertThatThrownBy(() -> Money.of(Long.MIN_VALUE, "USD")).isInstanceOf(ValidationException.class);
        assertThat(Money.of(0, "USD").isPositive()).isFalse();
        assertThat(Money.of(1, "USD").isPositive()).isTrue();
    }

    @Test
    void amountsAbove2To53_areRefused_becauseJsonClientsCannotReadThemExactly() {
        assertThat(Money.MAX_EXACT_JSON).isEqualTo((1L << 53) - 1);
        assertThat(Money.of(Money.MAX_EXACT_JSON, "USD").minorUnits()).isEqualTo(Money.MAX_EXACT_JSON);

        assertThatThrownBy(() -> Money.of(1L << 53, "USD")).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Money.of(Long.MAX_VALUE, "USD")).isInstanceOf(ValidationException.class);
    }

    @Test
    void arithmetic_staysInTheCurrency_andExact() {
        Money a = Money.of(2_500, "USD");
        Money b = Money.of(1_000, "USD");

        assertThat(a.plus(b)).isEqualTo(Money.of(3_500, "USD"));
        assertThat(a.minus(b)).isEqualTo(Money.of(1_500, "USD"));
        assertThat(a.exceeds(b)).isTrue();
        assertThat(b.exceeds(a)).isFalse();
        assertThat(a.exceeds(a)).isFalse();
    }

    @Test
    void arithmetic_refusesToMixCurrencies_andToGoBelowZeroOrAbove2To53() {
        Money usd = Money.of(100, "USD");

        assertThatThrownBy(() -> usd.plus(Money.of(100, "EUR"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> usd.exceeds(Money.of(1, "JPY"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> usd.minus(Money.of(101, "USD"))).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Money.of(Money.MAX_EXACT_JSON, "USD").plus(Money.of(1, "USD")))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void equality_isByAmountAndCurrency() {
        assertThat(Money.of(100, "USD")).isEqualTo(Money.of(100, "USD"))
                .isNotEqualTo(Money.of(100, "EUR"))
                .isNotEqualTo(Money.of(101, "USD"));
    }
}
