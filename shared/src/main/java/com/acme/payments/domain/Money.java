package com.acme.payments.domain;

import java.util.Currency;
import java.util.regex.Pattern;

/**
 * An amount of money: an integer count of the currency's minor unit (ISO 4217 exponent: USD 2, JPY 0, KWD 3).
 * There is no floating point anywhere on the money path; {@code 2500 USD} is $25.00.
 *
 * <p>Made only through {@link #of}, which refuses what cannot be money: a currency that is not an upper-case
 * ISO 4217 code with a minor unit, or a negative amount. Amounts above {@link #MAX_EXACT_JSON} are refused too,
 * because JSON clients lose precision beyond 2^53.
 */
public record Money(long minorUnits, String currency) {
    /** The largest integer every JSON client reads exactly (2^53 - 1). */
    public static final long MAX_EXACT_JSON = 9_007_199_254_740_991L;
    private static final Pattern CODE = Pattern.compile("[A-Z]{3}");

    public Money {
        if (currency == null || !CODE.matcher(currency).matches() || exponentOf(currency) < 0) {
            throw new ValidationException("currency", "must be an uppercase ISO 4217 code with a minor unit");
        }
        if (minorUnits < 0 || minorUnits > MAX_EXACT_JSON) {
            throw new ValidationException("amount", "must be a non-negative integer in minor units below 2^53");
        }
    }

    public static Money of(long minorUnits, String currency) {
        return new Money(minorUnits, currency);
    }

    /** Whether {@code code} names a currency that money can be in (ISO 4217 with a defined minor unit). */
    public static boolean isCurrency(String code) {
        return code != null && CODE.matcher(code).matches() && exponentOf(code) >= 0;
    }

    /** Digits after the decimal point in the major unit: 2 for USD, 0 for JPY, 3 for KWD. */
    public int exponent() {
        return exponentOf(currency);
    }

    public boolean isPositive() {
        return minorUnits > 0;
    }

    /** Same currency, compared by amount. */
    public boolean exceeds(Money other) {
        requireSameCurrency(other);
        return minorUnits > other.minorUnits;
    }

    public Money plus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.addExact(minorUnits, other.minorUnits), currency);
    }

    public Money minus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.subtractExact(minorUnits, other.minorUnits), currency);
    }

    private void requireSameCurrency(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("currency mismatch: " + currency + " vs " + other.currency);
        }
    }

    private static int exponentOf(String code) {
        try {
            return Currency.getInstance(code).getDefaultFractionDigits();
        } catch (IllegalArgumentException unknown) {
            return -1;
        }
    }

    /** e.g. {@code 25.00 USD}, {@code 1000 JPY}: for logs and messages. */
    @Override
    public String toString() {
        int exp = exponent();
        if (exp == 0) {
            return minorUnits + " " + currency;
        }
        long unit = (long) Math.pow(10, exp);
        return (minorUnits / unit) + "." + String.format("%0" + exp + "d", minorUnits % unit) + " " + currency;
    }
}
