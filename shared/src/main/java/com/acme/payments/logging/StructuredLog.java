package com.acme.payments.logging;

import com.acme.payments.domain.PanDetector;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One JSON object per line on stdout, which CloudWatch Logs and Lambda's JSON log format index as fields.
 * The request context (request id, payment id, merchant id) is attached to every line of a request.
 *
 * <p>Callers pass only chosen fields, never request bodies. As a second line of defence every value is scrubbed:
 * payment-method tokens are cut to their last four characters and PAN-like digit runs are replaced.
 */
public final class StructuredLog {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern TOKEN = Pattern.compile("\\b(tok|pm)_[A-Za-z0-9_]*([A-Za-z0-9]{4})\\b");
    private static final ThreadLocal<Map<String, String>> CONTEXT = ThreadLocal.withInitial(LinkedHashMap::new);
    private static volatile PrintStream out = System.out;

    private final String logger;

    private StructuredLog(String logger) {
        this.logger = logger;
    }

    public static StructuredLog get(Class<?> type) {
        return new StructuredLog(type.getSimpleName());
    }

    /** Adds a field to every line logged by this thread until {@link #clearContext()}. */
    public static void putContext(String key, String value) {
        if (value != null) {
            CONTEXT.get().put(key, scrub(value));
        }
    }

    public static void clearContext() {
        CONTEXT.get().clear();
    }

    /** Redirects output (tests capture it to prove nothing secret is logged). */
    public static void redirect(PrintStream stream) {
        out = stream;
    }

    public void info(String message, Object... keyValues) {
        write("INFO", message, null, keyValues);
    }

    public void warn(String message, Object... keyValues) {
        write("WARN", message, null, keyValues);
    }

    /** Logs the exception's type and message, not its stack trace, unless it is an unexpected error. */
    public void error(String message, Throwable error, Object... keyValues) {
        write("ERROR", message, error, keyValues);
    }

    private void write(String level, String message, Throwable error, Object... keyValues) {
        StringWriter buffer = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(buffer)) {
            g.writeStartObject();
            g.writeStringField("timestamp", Instant.now().toString());
            g.writeStringField("level", level);
            g.writeStringField("logger", logger);
            g.writeStringField("message", scrub(message));
            for (Map.Entry<String, String> e : CONTEXT.get().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            for (int i = 0; i + 1 < keyValues.length; i += 2) {
                Object value = keyValues[i + 1];
                // Numbers are scrubbed too: a card number sent where an amount was expected is still a PAN.
                if (value instanceof Number n && !PanDetector.containsPan(n.toString())) {
                    g.writeFieldName(String.valueOf(keyValues[i]));
                    g.writeNumber(n.toString());
                } else {
                    g.writeStringField(String.valueOf(keyValues[i]), value == null ? null : scrub(value.toString()));
                }
            }
            if (error != null) {
                g.writeStringField("errorType", error.getClass().getName());
                g.writeStringField("errorMessage", scrub(String.valueOf(error.getMessage())));
                if (error.getCause() != null) {
                    g.writeStringField("errorCause", error.getCause().getClass().getName());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            return;
        }
        out.println(buffer);
    }

    /** Masks tokens and PAN-like numbers in free text. */
    public static String scrub(String text) {
        if (text == null) {
            return null;
        }
        String masked = TOKEN.matcher(text).replaceAll("$1_…$2");
        if (PanDetector.containsPan(masked)) {
            masked = masked.replaceAll("[0-9][0-9 \\-]{11,}[0-9]", "[REDACTED-PAN]");
        }
        return masked;
    }
}
