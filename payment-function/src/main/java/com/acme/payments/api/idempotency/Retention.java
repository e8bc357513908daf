package com.acme.payments.api.idempotency;

import java.util.List;

/**
 * What happens to an Idempotency-Key after its request answered: the one table of the rule, used by the
 * decorator and rendered into the README (a test keeps the two equal).
 */
public enum Retention {
    /** The answer is final: stored, and every retry with the key gets it back byte for byte. */
    STORE,
    /** The outcome is still pending at the processor: the claim stays, unlocked, so a retry resumes the same work. */
    KEEP_OPEN,
    /** A dependency failed midway and money may have moved: the claim stays locked, then a retry resumes it. */
    KEEP_LOCKED,
    /** Nothing happened: the key is forgotten so the corrected request can use it. */
    RELEASE;

    /** One row of the table: the HTTP statuses {@code from..to} it covers, as the docs name them. */
    public record Rule(String answer, int from, int to, Retention retention, String why) {
        boolean covers(int status) {
            return status >= from && status <= to;
        }
    }

    /** First matching row wins; the last rows cover whole classes, so no status is ever unlisted. */
    public static final List<Rule> TABLE = List.of(
            new Rule("202", 202, 202, KEEP_OPEN,
                    "the processor's answer is not known yet; retrying the key resumes and reports it"),
            new Rule("2xx (200, 201)", 200, 299, STORE, "done"),
            new Rule("402", 402, 402, STORE, "the processor declined: final"),
            new Rule("502", 502, 502, STORE, "the processor failed and nothing was charged: final"),
            new Rule("5xx (500, 503)", 500, 599, KEEP_LOCKED,
                    "a fault midway; money may have moved, so the retry must resume, not restart"),
            new Rule("other (400, 404, 409, 413, 415, 422, ...)", 0, 999, RELEASE,
                    "refused before anything moved"));

    /** The retention for an answer with this HTTP status. */
    public static Retention of(int status) {
        for (Rule rule : TABLE) {
            if (rule.covers(status)) {
                return rule.retention();
            }
        }
        throw new IllegalStateException("the table ends with a catch-all row");
    }

    /** The table as Markdown, as it appears in the README. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| answer | key | why |\n|---|---|---|\n");
        for (Rule rule : TABLE) {
            out.append("| ").append(rule.answer()).append(" | ")
                    .append(rule.retention().name()).append(" | ").append(rule.why()).append(" |\n");
        }
        return out.toString();
    }
}
