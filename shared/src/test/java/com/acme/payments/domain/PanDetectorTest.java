package com.acme.payments.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class PanDetectorTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "4111111111111111",        // Visa
            "5555555555554444",        // Mastercard
            "378282246310005",         // Amex, 15 digits
            "4222222222222",           // Visa, 13 digits
            "6011111111111117",        // Discover
            "3530111333300000",        // JCB
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "3782 822463 10005",
            "5555-5555 5555-4444"})
    void publishedTestPans_areDetected_withOrWithoutSeparators(String pan) {
        assertThat(PanDetector.containsPan(pan)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "card 4111111111111111 exp 12/30",
            "tok_4111111111111111",
            "x5555555555554444x",
            "{\"note\":\"378282246310005\"}",
            "ref 12 4111 1111 1111 1111"})     // the PAN is a window of a longer run
    void panEmbeddedInText_isDetected(String text) {
        assertThat(PanDetector.containsPan(text)).isTrue();
    }

    /** Runs are ASCII digits only, so a non-ASCII digit in front must not hide the PAN after it. */
    @ParameterizedTest
    @ValueSource(strings = {
            "\u06634111111111111111",           // preceded by an Arabic-Indic digit
            "\uFF114111111111111111"})          // preceded by a fullwidth digit
    void panRightAfterANonAsciiDigit_isDetected(String text) {
        assertThat(PanDetector.containsPan(text)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "1234567812345678",       // 16 digits, fails Luhn, and so does every 13-15 digit window of it
            "411111111111",           // 12 digits: too short to be a PAN even though it passes Luhn
            "4111 1111 1111",
            "amount 1000000 USD",
            "2026-01-05T10:15:30Z",
            "4111.1111.1111.1111"})   // dots end a run: four groups of four digits are each too short
    void numbersThatAreNotPans_areNotDetected(String text) {
        assertThat(PanDetector.containsPan(text)).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    void nullAndEmpty_areNotPans(String text) {
        assertThat(PanDetector.containsPan(text)).isFalse();
    }

    /**
     * A 13-19 digit number is judged whole: 4111111111111112 fails Luhn, so it is an order reference, not a PAN,
     * even though its 13-digit suffix would pass.
     */
    @ParameterizedTest
    @ValueSource(strings = {"4111111111111112", "5555555555554445", "4000000000000001"})
    void luhnFailingSixteenDigitNumber_isNotDetected(String number) {
        assertThat(PanDetector.containsPan(number)).isFalse();
    }

    /**
     * A denial-of-service guard, not a speed target: a quadratic scan needed ~2 minutes for this 200 KB input,
     * the linear one milliseconds, so the generous bound only trips on a complexity regression.
     */
    @Test
    void hostileDigitSeparatorRun_isScannedInLinearTime() {
        // "1 1 1 …" never passes Luhn, so the scan cannot exit early.
        String hostile = "1 ".repeat(100_000);

        boolean found = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> PanDetector.containsPan(hostile));

        assertThat(found).isFalse();
    }

    @Test
    void luhn_acceptsAValidCheckDigitAndRejectsEveryOther() {
        int[] digits = {4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
        for (int check = 0; check <= 9; check++) {
            digits[15] = check;
            assertThat(PanDetector.luhn(digits, 0, 16)).as("check digit %d", check).isEqualTo(check == 1);
        }
    }
}
