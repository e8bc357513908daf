package com.acme.payments.api;

import com.acme.payments.domain.FieldError;
import com.acme.payments.domain.PanDetector;
import com.acme.payments.domain.PaymentMethodToken;
import com.acme.payments.domain.ValidationException;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.Refund;
import com.acme.payments.domain.Transition;
import com.acme.payments.service.CreatePaymentCommand;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API's JSON codec as it was on Jackson databind (the tree model), before issue 15 moved the function to
 * streaming jackson-core. Kept unchanged, in test scope only, as the oracle of {@link JsonCodecParityTest}: the
 * streaming {@link JsonCodec} must accept, refuse, fingerprint and write exactly what this one did.
 */
final class DatabindReferenceCodec {
    public static final int MAX_BODY_BYTES = 16 * 1024;
    private static final Set<String> CREATE_FIELDS = Set.of("amount", "currency", "paymentMethod", "description",
            "metadata", "capture");

    private final ObjectMapper mapper;
    private final ObjectMapper canonical;

    DatabindReferenceCodec() {
        this.mapper = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // Exact decimals, never doubles: 9007199254740993.0 must not round to ...992.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).maxStringLength(MAX_BODY_BYTES).maxNumberLength(40).build());
        this.canonical = JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Parses a JSON object body; a missing/empty body is an empty object when {@code optional}. */
    public ObjectNode parseObject(String body, boolean optional) {
        if (body == null || body.isBlank()) {
            if (optional) {
                return mapper.createObjectNode();
            }
            throw new BadRequestException(400, "Malformed request", "body", "a JSON object is required");
        }
        JsonNode node;
        try (JsonParser parser = mapper.getFactory().createParser(body)) {
            node = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                throw new BadRequestException(400, "Malformed request", "body", "must contain exactly one JSON value");
            }
        } catch (JsonProcessingException | NumberFormatException | ArithmeticException e) {
            // Numbers are read as exact decimals: one whose exponent no decimal can hold (1.5e4004111111111111111)
            // is refused like any other unreadable JSON, never a 500.
            throw new BadRequestException(400, "Malformed request", "body", "is not valid JSON");
        } catch (java.io.IOException e) {
            throw new BadRequestException(400, "Malformed request", "body", "could not be read");
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException(400, "Malformed request", "body", "must be a JSON object");
        }
        rejectPan(node, "");
        return (ObjectNode) node;
    }

    /** Any key or value anywhere in the body that looks like a card number fails the whole request. */
    private static void rejectPan(JsonNode node, String path) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String field = path.isEmpty() ? shown(e.getKey()) : path + "." + shown(e.getKey());
                if (PanDetector.containsPan(e.getKey())) {
                    throw panError(path.isEmpty() ? "body" : path);
                }
                rejectPan(e.getValue(), field);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                rejectPan(node.get(i), path + "[" + i + "]");
            }
        } else if ((node.isTextual() || node.isNumber()) && PanDetector.containsPan(node.asText())) {
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
    public CreatePaymentCommand createCommand(ObjectNode body) {
        List<FieldError> errors = new ArrayList<>();
        unknownFields(body, CREATE_FIELDS, errors);
        Long amount = integer(body, "amount", errors);
        String currency = string(body, "currency", false, errors);
        String method = string(body, "paymentMethod", false, errors);
        String description = string(body, "description", false, errors);
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode meta = body.get("metadata");
        if (meta != null && !meta.isNull()) {
            if (!meta.isObject()) {
                errors.add(new FieldError("metadata", "must be an object of string values"));
            } else {
                meta.fields().forEachRemaining(e -> {
                    if (!e.getValue().isTextual()) {
                        errors.add(new FieldError("metadata", "values must be strings"));
                    } else {
                        metadata.put(e.getKey(), e.getValue().textValue());
                    }
                });
            }
        }
        boolean capture = false;
        JsonNode cap = body.get("capture");
        if (cap != null && !cap.isNull()) {
            if (!cap.isBoolean()) {
                errors.add(new FieldError("capture", "must be true or false"));
            } else {
                capture = cap.booleanValue();
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
    private static Long integer(ObjectNode body, String field, List<FieldError> errors) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber()) {
            errors.add(new FieldError(field, "must be an integer in minor units (a JSON number, not a string)"));
            return null;
        }
        // JSON Schema's integer: 2500.0 and 2.5e3 are the integer 2500. Floats are read as exact decimals (see
        // USE_BIG_DECIMAL_FOR_FLOATS), so no precision is lost on the way; real fractions are refused.
        java.math.BigDecimal exact = node.decimalValue();
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

    /** {@code {"amount": n}} with the amount optional (capture) or required (refund). */
    public Long amountOnly(ObjectNode body, boolean required) {
        List<FieldError> errors = new ArrayList<>();
        unknownFields(body, Set.of("amount"), errors);
        Long amount = body.has("amount") || required ? amount(body, "amount", required, errors) : null;
        if (!errors.isEmpty()) {
            throw new BadRequestException(400, "Invalid request", dedupe(errors));
        }
        return amount;
    }

    public void emptyObject(ObjectNode body) {
        List<FieldError> errors = new ArrayList<>();
        unknownFields(body, Set.of(), errors);
        if (!errors.isEmpty()) {
            throw new BadRequestException(400, "Invalid request", errors);
        }
    }

    /** Same request ⇒ same text: keys sorted, whitespace dropped. Used for idempotency fingerprints. */
    public String canonical(JsonNode node) {
        try {
            Object plain = canonical.treeToValue(node, Object.class);
            return canonical.writeValueAsString(plain);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed tree always serializes", e);
        }
    }

    private static void unknownFields(ObjectNode body, Set<String> allowed, List<FieldError> errors) {
        body.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                errors.add(new FieldError(shown(name), "is not a known field"));
            }
        });
    }

    /**
     * A client-chosen key as it may appear in an error: echoed only when it is short, plain printable ASCII and
     * nothing like a card number or a payment-method token, so an error can never reflect secrets or bulk input.
     */
    private static String shown(String name) {
        boolean plain = name.length() <= 40 && name.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return plain && !PanDetector.containsPan(name) && !PaymentMethodToken.appearsIn(name) ? name : "(a field)";
    }

    private static long amount(ObjectNode body, String field, boolean required, List<FieldError> errors) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
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

    private static String string(ObjectNode body, String field, boolean required, List<FieldError> errors) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        if (!node.isTextual()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        return node.textValue();
    }

    private static List<FieldError> dedupe(List<FieldError> errors) {
        return new ArrayList<>(new java.util.LinkedHashSet<>(errors));
    }

    // ---- output ------------------------------------------------------------------------------------------

    public ObjectNode payment(Payment p) {
        ObjectNode n = mapper.createObjectNode();
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
        ObjectNode meta = n.putObject("metadata");
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
        ArrayNode refunds = n.putArray("refunds");
        for (Refund r : p.refunds()) {
            refunds.add(refund(r));
        }
        ArrayNode history = n.putArray("history");
        for (Transition t : p.history()) {
            ObjectNode h = history.addObject();
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

    public ObjectNode refund(Refund r) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", r.id());
        n.put("amount", r.amount());
        n.put("status", r.status().name());
        n.put("createdAt", r.createdAt().toString());
        if (r.failureReason() != null) {
            n.put("failureReason", r.failureReason());
        }
        return n;
    }

    public String write(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serializes", e);
        }
    }
}
