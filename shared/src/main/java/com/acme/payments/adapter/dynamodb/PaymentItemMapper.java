package com.acme.payments.adapter.dynamodb;

import com.acme.payments.domain.Attempt;
import com.acme.payments.domain.Operation;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.PaymentStatus;
import com.acme.payments.domain.PendingCall;
import com.acme.payments.domain.Refund;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.domain.Transition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Payment ⇄ DynamoDB item. Amounts are stored as DynamoDB numbers holding integers, never floats. */
final class PaymentItemMapper {
    /**
     * Fixed-width UTC timestamp for the listing sort key: {@code Instant.toString()} drops trailing zeros of the
     * fraction, so "…:30Z" would sort after "…:30.5Z". Nine fraction digits sort correctly as text.
     */
    static final java.time.format.DateTimeFormatter SORTABLE_TIME = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private PaymentItemMapper() {
    }

    static Map<String, AttributeValue> toItem(Payment p) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(TableKeys.PK, s(TableKeys.paymentPk(p.id())));
        item.put(TableKeys.SK, s(TableKeys.PAYMENT_SK));
        item.put(TableKeys.GSI1_PK, s(TableKeys.merchantPk(p.merchantId())));
        item.put(TableKeys.GSI1_SK, s(SORTABLE_TIME.format(p.createdAt()) + "#" + p.id()));
        item.put("id", s(p.id()));
        item.put("merchantId", s(p.merchantId()));
        item.put("amount", n(p.amount()));
        item.put("currency", s(p.currency()));
        putIfPresent(item, "paymentMethod", p.paymentMethod());
        putIfPresent(item, "description", p.description());
        if (!p.metadata().isEmpty()) {
            Map<String, AttributeValue> meta = new HashMap<>();
            p.metadata().forEach((k, v) -> meta.put(k, s(v)));
            item.put("metadata", AttributeValue.fromM(meta));
        }
        item.put("captureRequested", AttributeValue.fromBool(p.captureRequested()));
        item.put("status", s(p.status().name()));
        item.put("authorizedAmount", n(p.authorizedAmount()));
        item.put("capturedAmount", n(p.capturedAmount()));
        item.put("refundedAmount", n(p.refundedAmount()));
        List<AttributeValue> refunds = new ArrayList<>();
        for (Refund r : p.refunds()) {
            Map<String, AttributeValue> m = new HashMap<>();
            m.put("id", s(r.id()));
            m.put("amount", n(r.amount()));
            m.put("status", s(r.status().name()));
            m.put("createdAt", s(r.createdAt().toString()));
            m.put("lastSentAt", s(r.lastSentAt().toString()));
            m.put("sends", n(r.sends()));
            putIfPresent(m, "processorReference", r.processorReference());
            putIfPresent(m, "failureReason", r.failureReason());
            refunds.add(AttributeValue.fromM(m));
        }
        item.put("refunds", AttributeValue.fromL(refunds));
        PendingCall call = p.pending();
        if (call != null) {
            Map<String, AttributeValue> m = new HashMap<>();
            m.put("operation", s(call.operation().name()));
            m.put("attemptId", s(call.attemptId()));
            m.put("amount", n(call.amount()));
            m.put("lastSentAt", s(call.lastSentAt().toString()));
            m.put("sends", n(call.sends()));
            item.put("pending", AttributeValue.fromM(m));
        }
        List<AttributeValue> attempts = new ArrayList<>();
        for (Attempt a : p.attempts()) {
            Map<String, AttributeValue> m = new HashMap<>();
            m.put("id", s(a.id()));
            m.put("operation", s(a.operation().name()));
            m.put("amount", n(a.amount()));
            m.put("outcome", s(a.outcome().name()));
            putIfPresent(m, "reason", a.reason());
            m.put("at", s(a.at().toString()));
            attempts.add(AttributeValue.fromM(m));
        }
        item.put("attempts", AttributeValue.fromL(attempts));
        Instant due = p.reconcileDueAt();
        if (due != null) {
            // Only payments with a pending call are in the sparse index the reconciler reads. Every write sets the
            // due time afresh, which also ends any deferral (DynamoDbPaymentStore.deferReconciliation).
            item.put(TableKeys.GSI2_PK, s(TableKeys.PENDING_PARTITION));
            item.put(TableKeys.GSI2_SK, pendingSortKey(due, p.id()));
        }
        putIfPresent(item, "processorReference", p.processorReference());
        putIfPresent(item, "declineReason", p.declineReason());
        putIfPresent(item, "failureReason", p.failureReason());
        List<AttributeValue> history = new ArrayList<>();
        for (Transition t : p.history()) {
            Map<String, AttributeValue> m = new HashMap<>();
            if (t.from() != null) {
                m.put("from", s(t.from().name()));
            }
            m.put("to", s(t.to().name()));
            m.put("at", s(t.at().toString()));
            putIfPresent(m, "reason", t.reason());
            history.add(AttributeValue.fromM(m));
        }
        item.put("history", AttributeValue.fromL(history));
        item.put("createdAt", s(p.createdAt().toString()));
        item.put("updatedAt", s(p.updatedAt().toString()));
        item.put("version", n(p.version()));
        putIfPresent(item, "region", p.region());
        return item;
    }

    static Payment fromItem(Map<String, AttributeValue> item) {
        Map<String, String> metadata = new LinkedHashMap<>();
        AttributeValue meta = item.get("metadata");
        if (meta != null && meta.hasM()) {
            meta.m().forEach((k, v) -> metadata.put(k, v.s()));
        }
        List<Refund> refunds = new ArrayList<>();
        for (AttributeValue v : list(item, "refunds")) {
            Map<String, AttributeValue> m = v.m();
            Instant created = Instant.parse(str(m, "createdAt"));
            String lastSent = str(m, "lastSentAt");
            refunds.add(new Refund(str(m, "id"), num(m, "amount"), RefundStatus.valueOf(str(m, "status")), created,
                    lastSent == null ? created : Instant.parse(lastSent), (int) Math.max(1, num(m, "sends")),
                    str(m, "processorReference"), str(m, "failureReason")));
        }
        List<Transition> history = new ArrayList<>();
        for (AttributeValue v : list(item, "history")) {
            Map<String, AttributeValue> m = v.m();
            String from = str(m, "from");
            history.add(new Transition(from == null ? null : PaymentStatus.valueOf(from),
                    PaymentStatus.valueOf(str(m, "to")), Instant.parse(str(m, "at")), str(m, "reason")));
        }
        PendingCall pending = null;
        AttributeValue pv = item.get("pending");
        if (pv != null && pv.hasM()) {
            Map<String, AttributeValue> m = pv.m();
            pending = new PendingCall(Operation.valueOf(str(m, "operation")), str(m, "attemptId"), num(m, "amount"),
                    Instant.parse(str(m, "lastSentAt")), (int) num(m, "sends"));
        }
        List<Attempt> attempts = new ArrayList<>();
        for (AttributeValue v : list(item, "attempts")) {
            Map<String, AttributeValue> m = v.m();
            attempts.add(new Attempt(str(m, "id"), Operation.valueOf(str(m, "operation")), num(m, "amount"),
                    Attempt.Outcome.valueOf(str(m, "outcome")), str(m, "reason"), Instant.parse(str(m, "at"))));
        }
        return new Payment(str(item, "id"), str(item, "merchantId"), num(item, "amount"), str(item, "currency"),
                str(item, "paymentMethod"), str(item, "description"), metadata,
                item.containsKey("captureRequested") && item.get("captureRequested").bool(),
                PaymentStatus.valueOf(str(item, "status")), num(item, "authorizedAmount"),
                num(item, "capturedAmount"), refunds, pending, attempts, str(item, "processorReference"),
                str(item, "declineReason"),
                str(item, "failureReason"), history, Instant.parse(str(item, "createdAt")),
                Instant.parse(str(item, "updatedAt")), num(item, "version"), str(item, "region"));
    }

    private static List<AttributeValue> list(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v != null && v.hasL() ? v.l() : List.of();
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, s(value));
        }
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    /** The pending-calls index sort key: when reconciliation is due, then the id (unique, and a stable tie-break). */
    static AttributeValue pendingSortKey(Instant due, String paymentId) {
        return s(SORTABLE_TIME.format(due) + "#" + paymentId);
    }
}
