package com.acme.payments.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the contract fuzz (Schemathesis, scripts/tests/contract-fuzz.sh) found where the handler, not the contract,
 * had to change: JSON Schema's integers and character counts.
 */
class ContractFuzzFindingsTest {
    private final HandlerHarness harness = new HandlerHarness();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"2500.0", "2.5e3", "2500.000", "25E2"})
    void aWholeNumberSpelledAsAFloat_isThatInteger(String amount) {
        HandlerHarness.Response created = harness.post("/payments",
                "{\"amount\":" + amount + ",\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\"}").send();

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("amount").asLong()).isEqualTo(2500);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"2500.5", "0.1", "9007199254740993.5", "1e-3"})
    void aRealFraction_isStillRefused_namingTheField(String amount) {
        HandlerHarness.Response refused = harness.post("/payments",
                "{\"amount\":" + amount + ",\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\"}").send();

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body()).contains("\"field\":\"amount\"", "not a fraction");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"1.5e4004111111111111111", "{\"amount\":1e999999999999,\"currency\":\"USD\"}",
            "{\"amount\":1e-999999999999}"})
    void aNumberNoDecimalCanHold_isA400_neverA500(String body) {
        HandlerHarness.Response refused = harness.post("/payments", body).send();

        assertThat(refused.status()).isEqualTo(400);
    }

    @Test
    void textLengths_countCharacters_notUtf16Units() {
        String emoji = "\uD83D\uDE00";
        HandlerHarness.Response fits = harness.post("/payments", "{\"amount\":100,\"currency\":\"USD\","
                + "\"paymentMethod\":\"tok_visa_4242\",\"description\":\"" + emoji.repeat(255) + "\"}").send();
        HandlerHarness.Response tooLong = harness.post("/payments", "{\"amount\":100,\"currency\":\"USD\","
                + "\"paymentMethod\":\"tok_visa_4242\",\"description\":\"" + emoji.repeat(256) + "\"}").send();

        assertThat(fits.status()).isEqualTo(201);
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.body()).contains("\"field\":\"description\"");
    }
}
