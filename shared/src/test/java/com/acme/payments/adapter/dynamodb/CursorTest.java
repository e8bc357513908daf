package com.acme.payments.adapter.dynamodb;

import com.acme.payments.port.InvalidCursorException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The listing cursor of {@link DynamoDbPaymentStore}: opaque to clients, bound to the merchant's partition. */
class CursorTest {
    private static final String PARTITION = "MERCHANT#merchant_a";
    private static final Map<String, AttributeValue> LAST_KEY = Map.of(
            "pk", AttributeValue.fromS("PAYMENT#pay_0192f7e0-0000-7000-a000-000000000001"),
            "sk", AttributeValue.fromS("PAYMENT"),
            "gsi1pk", AttributeValue.fromS(PARTITION),
            "gsi1sk", AttributeValue.fromS("2026-01-05T10:15:30.123Z#pay_0192f7e0-0000-7000-a000-000000000001"));

    @Test
    void cursor_roundTripsTheLastEvaluatedKey() {
        String cursor = DynamoDbPaymentStore.encodeCursor(LAST_KEY);

        assertThat(DynamoDbPaymentStore.decodeCursor(cursor, PARTITION)).isEqualTo(LAST_KEY);
    }

    @Test
    void cursor_isUrlSafe() {
        // It travels as a query parameter: no '+', '/', '=' or whitespace.
        assertThat(DynamoDbPaymentStore.encodeCursor(LAST_KEY)).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void cursorIssuedForAnotherMerchant_isRejected() {
        String cursor = DynamoDbPaymentStore.encodeCursor(LAST_KEY);

        // Accepting it would start the query in merchant_a's partition on behalf of merchant_b.
        assertThatThrownBy(() -> DynamoDbPaymentStore.decodeCursor(cursor, "MERCHANT#merchant_b"))
                .isInstanceOf(InvalidCursorException.class);
    }

    @Test
    void cursorForAMerchantWhoseIdExtendsAnother_isRejected() {
        String cursor = DynamoDbPaymentStore.encodeCursor(LAST_KEY);

        assertThatThrownBy(() -> DynamoDbPaymentStore.decodeCursor(cursor, PARTITION + "x"))
                .isInstanceOf(InvalidCursorException.class);
        assertThatThrownBy(() -> DynamoDbPaymentStore.decodeCursor(cursor, "MERCHANT#merchant_"))
                .isInstanceOf(InvalidCursorException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "!!!not-base64!!!", "a b c", "%%%", "AAAA", "eyJwayI6IngifQ"})
    void garbage_isRejected(String cursor) {
        assertThatThrownBy(() -> DynamoDbPaymentStore.decodeCursor(cursor, PARTITION))
                .isInstanceOf(InvalidCursorException.class);
    }

    @Test
    void forgedCursorPointingAtAnotherItemType_isRejected() {
        // Right partition, but the start key is not a payment (e.g. an idempotency record).
        String forged = encode("IDEMPOTENCY#merchant_a#k\nIDEMPOTENCY\n" + PARTITION + "\n2026-01-05T10:15:30Z#x");

        assertThatThrownBy(() -> DynamoDbPaymentStore.decodeCursor(forged, PARTITION))
                .isInstanceOf(InvalidCursorException.class);
    }

    @Test
    void cursorWithTheWrongNumberOfParts_isRejected() {
        assertThatThrownBy(() -> DynamoDbPaymentStore.decodeCursor(encode("PAYMENT#p\nPAYMENT\n" + PARTITION), PARTITION))
                .isInstanceOf(InvalidCursorException.class);
        assertThatThrownBy(() -> DynamoDbPaymentStore.decodeCursor(
                encode("PAYMENT#p\nPAYMENT\n" + PARTITION + "\nsk\nextra"), PARTITION))
                .isInstanceOf(InvalidCursorException.class);
    }

    private static String encode(String raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    @org.junit.jupiter.api.Test
    void aCursorWithAnEmptyKeyPart_isRefused_beforeDynamoDbCouldAnswer500() {
        String cursor = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("PAYMENT#x\n\n" + PARTITION + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DynamoDbPaymentStore.decodeCursor(cursor, PARTITION))
                .isInstanceOf(com.acme.payments.port.InvalidCursorException.class);
    }
}
