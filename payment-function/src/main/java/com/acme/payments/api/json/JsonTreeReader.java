package com.acme.payments.api.json;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * Reads one JSON value from a streaming parser into the types {@link JsonObject} lists. The parser's own settings
 * (duplicate detection, {@code StreamReadConstraints}) do the strict part; this class only builds the tree.
 *
 * <p>Numbers are read the way Jackson databind's tree read them for the API (with
 * {@code USE_BIG_DECIMAL_FOR_FLOATS}), so every accepted body, its PAN scan and its idempotency fingerprint are
 * unchanged: an integer keeps the parser's type ({@code Integer}, {@code Long} or {@code BigInteger}); any other
 * number is the exact {@link BigDecimal}, trailing zeros stripped ({@code 2500.0} is {@code 2.5E+3}, {@code -0.0} is
 * {@code 0}). Numbers are converted as they are read, so one no decimal can hold fails the read.
 */
public final class JsonTreeReader {
    private JsonTreeReader() {
    }

    /** The value at the parser's current token (which must be set), leaving the parser on its last token. */
    public static Object readValue(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        if (token == null) {
            throw new IllegalStateException("no current token");
        }
        return switch (token) {
            case START_OBJECT -> readObject(p);
            case START_ARRAY -> readArray(p);
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> decimal(p.getDecimalValue());
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalStateException("unexpected token " + token);
        };
    }

    private static JsonObject readObject(JsonParser p) throws IOException {
        JsonObject object = new JsonObject();
        String name;
        while ((name = p.nextFieldName()) != null) {
            p.nextToken();
            object.putParsed(name, readValue(p));
        }
        return object;
    }

    private static JsonArray readArray(JsonParser p) throws IOException {
        JsonArray array = new JsonArray();
        JsonToken token;
        while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
            if (token == null) {
                throw new JsonParseException(p, "unexpected end of input in an array");
            }
            array.addParsed(readValue(p));
        }
        return array;
    }

    /** As databind's JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES (its default): stripped when it can be. */
    private static BigDecimal decimal(BigDecimal exact) {
        try {
            return exact.stripTrailingZeros();
        } catch (ArithmeticException scaleOverflow) {
            return exact;
        }
    }
}
