package com.acme.payments.domain;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of {@link PanDetector} (jqwik). Kept apart from the JUnit examples in {@link PanDetectorTest}: when two
 * engines run the same class, surefire writes one report per class and the second engine's overwrites the first.
 */
class PanDetectorPropertyTest {

    @Property
    void everyLuhnValidNumberOf13To19Digits_isDetected(@ForAll("luhnValidNumbers") String pan) {
        assertThat(PanDetector.containsPan(pan)).isTrue();
    }

    @Property
    void luhnValidNumber_isDetectedWithSeparatorsAndSurroundingText(@ForAll("luhnValidNumbers") String pan,
                                                                   @ForAll("separators") List<String> separators,
                                                                   @ForAll("words") String before,
                                                                   @ForAll("words") String after) {
        StringBuilder spaced = new StringBuilder();
        for (int i = 0; i < pan.length(); i++) {
            spaced.append(pan.charAt(i));
            if (i < pan.length() - 1) {
                spaced.append(separators.get(i));
            }
        }
        assertThat(PanDetector.containsPan(before + spaced + after)).isTrue();
    }

    @Property
    void textWithoutAsciiDigits_isNeverDetected(@ForAll("textWithoutAsciiDigits") String text) {
        assertThat(PanDetector.containsPan(text)).isFalse();
    }

    @Property
    void textWithFewerThan13Digits_isNeverDetected(@ForAll("fewDigits") String text) {
        assertThat(PanDetector.containsPan(text)).isFalse();
    }

    @Provide
    Arbitrary<String> luhnValidNumbers() {
        return Arbitraries.integers().between(13, 19).flatMap(length ->
                Arbitraries.strings().numeric().ofLength(length - 1).map(PanDetectorPropertyTest::withCheckDigit));
    }

    @Provide
    Arbitrary<List<String>> separators() {
        return Arbitraries.of("", "", "", " ", "-").list().ofSize(18);
    }

    @Provide
    Arbitrary<String> words() {
        // Ends of the surrounding text must not be digits, or they would join the PAN's run and change it.
        return Arbitraries.strings().withCharRange('a', 'z').withChars(' ', ':', '"', '_').ofMaxLength(12)
                .map(s -> s.isEmpty() ? s : "x" + s + "x");
    }

    @Provide
    Arbitrary<String> textWithoutAsciiDigits() {
        return Arbitraries.strings().all().ofMaxLength(300)
                .filter(s -> s.chars().noneMatch(c -> c >= '0' && c <= '9'));
    }

    @Provide
    Arbitrary<String> fewDigits() {
        Arbitrary<Character> nonDigit = Arbitraries.chars().with(' ', '-', 'a', 'Z', '.', '/', '_');
        Arbitrary<Character> digit = Arbitraries.chars().numeric();
        return Combinators.combine(nonDigit.list().ofMaxSize(40), digit.list().ofMaxSize(12)).as((fill, digits) -> {
            StringBuilder s = new StringBuilder();
            fill.forEach(s::append);
            for (Character d : digits) {
                s.insert(d % Math.max(1, s.length() + 1), d);
            }
            return s.toString();
        });
    }

    /** Appends the Luhn check digit to {@code payload}. */
    static String withCheckDigit(String payload) {
        int sum = 0;
        boolean dbl = true; // the check digit will be the undoubled rightmost digit
        for (int i = payload.length() - 1; i >= 0; i--) {
            int d = payload.charAt(i) - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return payload + (10 - sum % 10) % 10;
    }

    @Property(tries = 200)
    void withCheckDigit_producesLuhnValidNumbers(@ForAll @NumericChars @StringLength(min = 12, max = 18)
                                                 String payload) {
        // The generator above is only trustworthy if the production Luhn routine agrees with it.
        String number = withCheckDigit(payload);
        int[] digits = number.chars().map(c -> c - '0').toArray();
        assertThat(PanDetector.luhn(digits, 0, digits.length)).isTrue();
    }
}
