import com.fasterxml.jackson.core.*;
import com.fasterxml.jackson.databind.*;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.*;
import com.fasterxml.jackson.jr.ob.JSON;
import java.io.StringWriter;
import java.util.*;

/**
 * The JSON work of one create on the hot path, three ways, for choosing the route off Jackson databind (issue 15
 * phase 2): parse the create body strictly (duplicate keys rejected, exact integer amount, metadata map), write the
 * answer with a nested history array, write one JSON log line. Run one way per fresh JVM (scripts: run.sh next to
 * this file); "none" is the same program doing no JSON, the floor.
 */
public class JsonRoutes {
    static final String BODY = "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\",\"description\":\"cold-path benchmark\",\"metadata\":{\"order\":\"1001\"},\"capture\":false}";

    public static void main(String[] a) throws Exception {
        long t0 = System.nanoTime();
        String out = switch (a[0]) {
            case "databind" -> databind();
            case "core" -> core();
            case "jr" -> jr();
            case "none" -> "";
            default -> throw new IllegalArgumentException(a[0]);
        };
        long t1 = System.nanoTime();
        System.out.println("@@ " + a[0] + " " + (t1 - t0) / 1000 + "us " + out.length());
    }

    static String databind() throws Exception {
        ObjectMapper m = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
        JsonNode n = m.readTree(BODY);
        long amount = n.get("amount").longValue();
        String currency = n.get("currency").textValue();
        Map<String, String> meta = new LinkedHashMap<>();
        n.get("metadata").properties().forEach(e -> meta.put(e.getKey(), e.getValue().textValue()));
        ObjectNode r = m.createObjectNode();
        r.put("id", "pay_1").put("status", "AUTHORIZED").put("amount", amount).put("currency", currency);
        r.putPOJO("metadata", meta);
        ArrayNode h = r.putArray("history");
        h.addObject().put("to", "PENDING").put("at", "2026-01-01T00:00:00Z");
        String resp = m.writeValueAsString(r);
        Map<String, Object> log = new LinkedHashMap<>();
        log.put("timestamp", "2026-01-01T00:00:00Z"); log.put("level", "INFO"); log.put("message", "request");
        log.put("status", 201); log.put("latencyMs", 12L);
        return resp + m.writeValueAsString(log);
    }

    static String core() throws Exception {
        JsonFactory f = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        long amount = 0; String currency = null; Map<String, String> meta = new LinkedHashMap<>();
        try (JsonParser p = f.createParser(BODY)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "amount" -> amount = p.getLongValue();
                    case "currency" -> currency = p.getText();
                    case "metadata" -> { while (p.nextToken() == JsonToken.FIELD_NAME) { String k = p.currentName(); p.nextToken(); meta.put(k, p.getText()); } }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) throw new IllegalStateException("trailing");
        }
        StringWriter w = new StringWriter();
        try (JsonGenerator g = f.createGenerator(w)) {
            g.writeStartObject(); g.writeStringField("id", "pay_1"); g.writeStringField("status", "AUTHORIZED");
            g.writeNumberField("amount", amount); g.writeStringField("currency", currency);
            g.writeObjectFieldStart("metadata"); for (var e : meta.entrySet()) g.writeStringField(e.getKey(), e.getValue()); g.writeEndObject();
            g.writeArrayFieldStart("history"); g.writeStartObject(); g.writeStringField("to", "PENDING"); g.writeStringField("at", "2026-01-01T00:00:00Z"); g.writeEndObject(); g.writeEndArray();
            g.writeEndObject();
        }
        StringWriter l = new StringWriter();
        try (JsonGenerator g = f.createGenerator(l)) {
            g.writeStartObject(); g.writeStringField("timestamp", "2026-01-01T00:00:00Z"); g.writeStringField("level", "INFO");
            g.writeStringField("message", "request"); g.writeNumberField("status", 201); g.writeNumberField("latencyMs", 12L); g.writeEndObject();
        }
        return w + l.toString();
    }

    static String jr() throws Exception {
        Map<String, Object> n = JSON.std.mapFrom(BODY);
        long amount = ((Number) n.get("amount")).longValue();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", "pay_1"); r.put("status", "AUTHORIZED"); r.put("amount", amount); r.put("currency", n.get("currency"));
        r.put("metadata", n.get("metadata")); r.put("history", List.of(Map.of("to", "PENDING", "at", "2026-01-01T00:00:00Z")));
        Map<String, Object> log = new LinkedHashMap<>();
        log.put("timestamp", "2026-01-01T00:00:00Z"); log.put("level", "INFO"); log.put("message", "request");
        log.put("status", 201); log.put("latencyMs", 12L);
        return JSON.std.asString(r) + JSON.std.asString(log);
    }
}
