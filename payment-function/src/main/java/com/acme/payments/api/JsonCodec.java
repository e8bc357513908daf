package com.acme.payments.api;

import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.PanDetector;
import com.acme.payments.domain.PaymentMethodToken;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.Refund;
import com.acme.payments.domain.Transition;
import com.acme.payments.service.CreatePaymentCommand;
import com.acme.payments.api.json.JsonArray;
import com.acme.payments.api.json.JsonObject;
import com.acme.payments.api.json.JsonTreeReader;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict JSON in, stable JSON out. Request bodies are read as a tree (bounded depth and sizes, duplicate keys
 * rejected) and checked field by field so every error can name its field without echoing the value.
 *
 * <p>Streaming jackson-core only (issue 15): Jackson databind, its annotations and the reflection it needs cost the
 * cold path about 500 classes. The wire behaviour is the one the databind tree had, down to the number forms in an
 * idempotency fingerprint; {@code JsonCodecParityTest} holds it against the databind codec this replaced.
 */
public final class JsonCodec {
    public static final int MAX_BODY_BYTES = 16 * 1024;
    private static final Set<String> CREATE_FIELDS = Set.of("amount", "currency", "paymentMethod", "description",
            "metadata", "capture");

    private final JsonFactory factory;

    public JsonCodec() {
        this.factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(16).maxStringLength(MAX_BODY_BYTES).maxNumberLength(40).build())
                .build();
    }

    /** Parses a JSON object body; a missing/empty body is an empty object when {@code optional}. */
    public JsonObject parseObject(String body, boolean optional) {
        if (body == null || body.isBlank()) {
            if (optional) {
                return new JsonObject();
            }
            throw new BadRequestException(400, "Malformed request", "body", "a JSON object is required");
        }
        Object value;
        try (JsonParser parser = factory.createParser(body)) {
            // No token at all (a body of a byte-order mark only) is no object, as databind's readTree had it.
            value = parser.nextToken() == null ? null : JsonTreeReader.readValue(parser);
            // Exactly one value: anything after it, even another well-formed value, makes the body unreadable.
            if (parser.nextToken() != null) {
                throw new BadRequestException(400, "Malformed request", "body", "is not valid JSON");
            }
        } catch (JsonProcessingException | NumberFormatException | ArithmeticException e) {
            // Numbers are read as exact decimals: one whose exponent no decimal can hold (1.5e4004111111111111111)
            // is refused like any other unreadable JSON, never a 500.
            throw new BadRequestException(400, "Malformed request", "body", "is not valid JSON");
        } catch (IOException e) {
            throw new BadRequestException(400, "Malformed request", "body", "could not be read");
        }
        if (!(value instanceof JsonObject object)) {
            throw new BadRequestException(400, "Malformed request", "body", "must be a JSON object");
        }
        rejectPan(object, "");
        return object;
    }

    /** Any key or value anywhere in the body that looks like a card number fails the whole request. */
    private static void rejectPan(Object node, String path) {
        if (node instanceof JsonObject object) {
            for (Map.Entry<String, Object> e : object.members()) {
                String field = path.isEmpty() ? shown(e.getKey()) : path + "." + shown(e.getKey());
                if (PanDetector.containsPan(e.getKey())) {
                    throw panError(path.isEmpty() ? "body" : path);
                }
                rejectPan(e.getValue(), field);
            }
        } else if (node instanceof JsonArray array) {
            for (int i = 0; i < array.size(); i++) {
                rejectPan(array.get(i), path + "[" + i + "]");
            }
        } else if ((node instanceof String || node instanceof Number) && PanDetector.containsPan(node.toString())) {
            // A number as its text, as the databind tree spelled it: 4242424242424242.0 is 4242424242424242.
            throw panError(path);
        }
    }

    private static BadRequestException panError(String field) {
        return new BadRequestException(400, "Card number rejected", field,
                "looks like a card number; raw card numbers are never accepted, send a payment-method token");
    }

    /**
     * The create command, checked once: JSON types here, every business rule in {@link CreatePaymentCommand#of};
     * all problems are reported together, one per field.
     */
    public CreatePaymentCommand createCommand(JsonObject body) {
        List<FieldError> errors = new ArrayList<>();
        unknownFields(body, CREATE_FIELDS, errors);
        Long amount = integer(body, "amount", errors);
        String currency = string(body, "currency", false, errors);
        String method = string(body, "paymentMethod", false, errors);
        String description = string(body, "description", false, errors);
        Map<String, String> metadata = new LinkedHashMap<>();
        Object meta = body.get("metadata");
        if (meta != null) {
            if (!(meta instanceof JsonObject entries)) {
                errors.add(new FieldError("metadata", "must be an object of string values"));
            } else {
                for (Map.Entry<String, Object> e : entries.members()) {
                    if (!(e.getValue() instanceof String value)) {
                        errors.add(new FieldError("metadata", "values must be strings"));
                    } else {
                        metadata.put(e.getKey(), value);
                    }
                }
            }
        }
        boolean capture = false;
        Object cap = body.get("capture");
        if (cap != null) {
            if (!(cap instanceof Boolean flag)) {
                errors.add(new FieldError("capture", "must be true or false"));
            } else {
                capture = flag;
            }
        }
        try {
            CreatePaymentCommand command = CreatePaymentCommand.of(amount, currency, method, description, metadata,
                    capture);
            if (errors.isEmpty()) {
                return command;
            }
        } catch (ValidationException e) {
            // A field with a JSON type error is reported once, for its type.
            java.util.Set<String> typed = new java.util.HashSet<>();
            errors.forEach(err -> typed.add(err.field()));
            e.errors().stream().filter(err -> !typed.contains(err.field())).forEach(errors::add);
        }
        throw new BadRequestException(400, "Invalid request", dedupe(errors));
    }

    /** A JSON integer that fits a long, or null (missing, or wrong type: then an error is recorded). */
    private static Long integer(JsonObject body, String field, List<FieldError> errors) {
        Object node = body.get(field);
        if (node == null) {
            return null;
        }
        if (!(node instanceof Number number)) {
            errors.add(new FieldError(field, "must be an integer in minor units (a JSON number, not a string)"));
            return null;
        }
        // JSON Schema's integer: 2500.0 and 2.5e3 are the integer 2500. Floats are read as exact decimals (see
        // JsonTreeReader), so no precision is lost on the way; real fractions are refused.
        BigDecimal exact = decimal(number);
        if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
            errors.add(new FieldError(field, "must be an integer in minor units, not a fraction"));
            return null;
        }
        try {
            return exact.longValueExact();
        } catch (ArithmeticException tooLarge) {
            errors.add(new FieldError(field, "is too large"));
            return null;
        }
    }

    private static BigDecimal decimal(Number number) {
        if (number instanceof BigDecimal d) {
            return d;
        }
        return number instanceof BigInteger i ? new BigDecimal(i) : BigDecimal.valueOf(number.longValue());
    }

    /** {@code {"amount": n}} with the amount optional (capture) or required (refund). */
    public Long amountOnly(JsonObject body, boolean required) {
        List<FieldError> errors = new ArrayList<>();
        unknownFields(body, Set.of("amount"), errors);
        Long amount = body.has("amount") || required ? amount(body, "amount", required, errors) : null;
        if (!errors.isEmpty()) {
            throw new BadRequestException(400, "Invalid request", dedupe(errors));
        }
        return amount;
    }

    public void emptyObject(JsonObject body) {
        List<FieldError> errors = new ArrayList<>();
        unknownFields(body, Set.of(), errors);
        if (!errors.isEmpty()) {
            throw new BadRequestException(400, "Invalid request", errors);
        }
    }

    /** Same request ⇒ same text: keys sorted, whitespace dropped. Used for idempotency fingerprints. */
    public String canonical(JsonObject node) {
        return write(node, true);
    }

    private static void unknownFields(JsonObject body, Set<String> allowed, List<FieldError> errors) {
        for (String name : body.names()) {
            if (!allowed.contains(name)) {
                errors.add(new FieldError(shown(name), "is not a known field"));
            }
        }
    }

    /**
     * A client-chosen key as it may appear in an error: echoed only when it is short, plain printable ASCII and
     * nothing like a card number or a payment-method token, so an error can never reflect secrets or bulk input.
     */
    private static String shown(String name) {
        boolean plain = name.length() <= 40 && name.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return plain && !PanDetector.containsPan(name) && !PaymentMethodToken.appearsIn(name) ? name : "(a field)";
    }

    private static long amount(JsonObject body, String field, boolean required, List<FieldError> errors) {
        if (body.get(field) == null) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return 0;
        }
        Long value = integer(body, field, errors);
        if (value == null) {
            return 0;
        }
        if (value > 9_007_199_254_740_991L) {
            // Beyond 2^53 JSON numbers lose precision in many clients.
            errors.add(new FieldError(field, "is too large"));
        } else if (value <= 0) {
            errors.add(new FieldError(field, "must be greater than zero"));
        } else {
            return value;
        }
        return 0;
    }

    private static String string(JsonObject body, String field, boolean required, List<FieldError> errors) {
        Object node = body.get(field);
        if (node == null) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        if (!(node instanceof String text)) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        return text;
    }

    private static List<FieldError> dedupe(List<FieldError> errors) {
        return new ArrayList<>(new java.util.LinkedHashSet<>(errors));
    }

    // ---- output ------------------------------------------------------------------------------------------

    public JsonObject payment(Payment p) {
        JsonObject n = new JsonObject();
        n.put("id", p.id());
        n.put("status", p.status().name());
        n.put("amount", p.amount());
        n.put("currency", p.currency());
        n.put("authorizedAmount", p.authorizedAmount());
        n.put("capturedAmount", p.capturedAmount());
        n.put("refundedAmount", p.refundedAmount());
        n.put("refundableAmount", Math.max(0, p.refundableAmount()));
        n.put("paymentMethod", p.paymentMethod());
        if (p.description() != null) {
            n.put("description", p.description());
        }
        JsonObject meta = n.putObject("metadata");
        p.metadata().forEach(meta::put);
        if (p.pending() != null) {
            n.put("pendingOperation", p.pending().operation().name());
        }
        if (p.declineReason() != null) {
            n.put("declineReason", p.declineReason());
        }
        if (p.failureReason() != null) {
            n.put("failureReason", p.failureReason());
        }
        JsonArray refunds = n.putArray("refunds");
        for (Refund r : p.refunds()) {
            refunds.add(refund(r));
        }
        JsonArray history = n.putArray("history");
        for (Transition t : p.history()) {
            JsonObject h = history.addObject();
            if (t.from() != null) {
                h.put("from", t.from().name());
            }
            h.put("to", t.to().name());
            h.put("at", t.at().toString());
            if (t.reason() != null) {
                h.put("reason", t.reason());
            }
        }
        n.put("region", p.region());
        n.put("createdAt", p.createdAt().toString());
        n.put("updatedAt", p.updatedAt().toString());
        return n;
    }

    public JsonObject refund(Refund r) {
        JsonObject n = new JsonObject();
        n.put("id", r.id());
        n.put("amount", r.amount());
        n.put("status", r.status().name());
        n.put("createdAt", r.createdAt().toString());
        if (r.failureReason() != null) {
            n.put("failureReason", r.failureReason());
        }
        return n;
    }

    /** The object as compact JSON, members in order. */
    public String write(JsonObject node) {
        return write(node, false);
    }

    private String write(JsonObject node, boolean sortKeys) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = factory.createGenerator(out)) {
            node.writeTo(g, sortKeys);
        } catch (IOException e) {
            throw new IllegalStateException("writing to a string cannot fail", e);
        }
        return out.toString();
    }
}
