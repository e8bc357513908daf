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

    /** One row of the table: an HTTP status (or a whole class of them, {@code 0} for "any other"). */
    public record Rule(int status, Retention retention, String why) { }

    /** First matching row wins. */
    public static final List<Rule> TABLE = List.of(
            new Rule(200, STORE, "done"),
            new Rule(201, STORE, "done"),
            new Rule(202, KEEP_OPEN, "the processor's answer is not known yet; retrying the key resumes and reports it"),
            new Rule(402, STORE, "the processor declined: final"),
            new Rule(502, STORE, "the processor failed and nothing was charged: final"),
            new Rule(500, KEEP_LOCKED, "a fault midway; money may have moved, so the retry must resume, not restart"),
            new Rule(503, KEEP_LOCKED, "a dependency failed midway; as 500"),
            new Rule(0, RELEASE, "any other answer (400, 404, 409, 413, 415, 422, ...): refused before anything moved"));

    /** The retention for an answer with this HTTP status. */
    public static Retention of(int status) {
        for (Rule rule : TABLE) {
            if (rule.status() == status || rule.status() == 0) {
                return rule.retention();
            }
        }
        throw new IllegalStateException("the table ends with a catch-all row");
    }

    /** The table as Markdown, as it appears in the README. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| answer | key | why |\n|---|---|---|\n");
        for (Rule rule : TABLE) {
            out.append("| ").append(rule.status() == 0 ? "other" : Integer.toString(rule.status())).append(" | ")
                    .append(rule.retention().name()).append(" | ").append(rule.why()).append(" |\n");
        }
        return out.toString();
    }
}
