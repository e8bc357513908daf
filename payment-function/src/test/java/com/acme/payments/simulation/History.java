package com.acme.payments.simulation;

import com.acme.payments.testsupport.SequentialIds;
import com.acme.payments.api.http.ApiRequest;
import com.acme.payments.api.http.ApiResponse;
import com.acme.payments.api.HandlerHarness;
import com.acme.payments.api.JsonCodec;
import com.acme.payments.api.PaymentApi;
import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.api.idempotency.Retention;
import com.acme.payments.config.AppConfig;
import com.acme.payments.domain.Attempt;
import com.acme.payments.domain.Payment;
import com.acme.payments.domain.Refund;
import com.acme.payments.domain.RefundStatus;
import com.acme.payments.port.PaymentProcessor.Result;
import com.acme.payments.service.PaymentService;
import com.acme.payments.service.Reconciler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One seeded history: the real {@link PaymentApi} (route table, idempotency decorator, codec), the real
 * {@link PaymentService} and {@link Reconciler}, over the simulated table, idempotency store and processor.
 * Clients create, capture, cancel, refund and read, concurrently, and retry exactly as the API contract tells them
 * (same key after no answer, a 5xx, a 409 or a 202; a new key only after a definitive answer). When everything has
 * quiesced, {@link #check()} compares our records with the processor's ledger and the answers clients saw.
 */
final class History {
    static final String MERCHANT = "merchant_sim";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonCodec CODEC = new JsonCodec();
    /** A client that gets no final answer after this many tries is a liveness violation. */
    private static final int MAX_TRIES = 400;
    private static final int ITEM_SIZE_CEILING = 100_000;

    final long seed;
    final Sim sim;
    final SimProcessor processor;
    final SimPaymentStore store;
    final SimIdempotencyStore idempotencyStore;
    private final PaymentApi api;
    private final Reconciler reconciler;
    private int clientsRunning;
    private int requestCounter;
    int operations;
    final List<String> violations = new ArrayList<>();
    /** Every answer a client saw, by Idempotency-Key (or "GET" for reads). */
    private final Map<String, List<Seen>> seen = new LinkedHashMap<>();

    record Seen(String kind, String key, String paymentId, int status, String body, boolean replayed) { }

    History(long seed, boolean traced) {
        this(seed, traced, false);
    }

    /** @param failOpenProcessorClient simulate a processor client that fails open (to prove the checks catch it) */
    History(long seed, boolean traced, boolean failOpenProcessorClient) {
        this.seed = seed;
        this.sim = new Sim(seed, new Sim.Trace(traced));
        this.processor = new SimProcessor(sim);
        this.processor.failOpen = failOpenProcessorClient;
        this.store = new SimPaymentStore(sim);
        this.idempotencyStore = new SimIdempotencyStore(sim);
        AppConfig config = new AppConfig(URI.create("http://processor.invalid"), "sim-key", Duration.ofSeconds(5),
                Map.of("USD", 1_000_000L), Map.of());
        PaymentService service = new PaymentService(store, processor, () -> config, sim.clock, "us-east-1",
                attempt -> sim.sleep(Duration.ofMillis(1 + sim.rng.nextInt(50))));
        this.api = new PaymentApi(service, new Idempotency(idempotencyStore, sim.clock, Idempotency.LOCK),
                new SequentialIds(), CODEC, "merchant_id", () -> new com.acme.payments.api.json.JsonObject().put("status", "ok"),
                HandlerHarness.activeRegionFence(CODEC));
        this.reconciler = new Reconciler(store, service, sim.clock);
    }

    /** Builds the actors and runs the history to quiescence. */
    History run() {
        int clients = sim.between(1, 4);
        for (int c = 1; c <= clients; c++) {
            int n = c;
            clientsRunning++;
            sim.spawn("client" + n, () -> {
                try {
                    client(n);
                } finally {
                    clientsRunning--;
                }
            });
        }
        int pollers = sim.between(0, 2);
        for (int i = 1; i <= pollers; i++) {
            sim.spawn("poller" + i, this::poller);
        }
        sim.spawn("reconciler", this::backgroundReconciler);
        sim.run();
        return this;
    }

    // ---- actors ------------------------------------------------------------------------------------------------

    private void client(int n) {
        long amount = sim.between(100, 50_000);
        boolean capture = sim.chance(0.3);
        String token = sim.chance(0.1) ? "tok_decline" + n + "abcd" : "tok_sim" + n + "abcd";
        String body = "{\"amount\":" + amount + ",\"currency\":\"USD\",\"paymentMethod\":\"" + token
                + "\",\"capture\":" + capture + "}";
        String key = "create-" + n + "-" + seed;
        if (sim.chance(0.25)) {
            // The same request sent twice at once (a client that retried too early, or a duplicated message).
            spawnHelper("twin" + n, () -> request("CREATE", "POST", "/payments", key, body, null));
        }
        Seen created = request("CREATE", "POST", "/payments", key, body, null);
        if (created == null || created.status() != 201) {
            return;
        }
        String id = created.paymentId();
        maybeGet(id);
        if (!capture) {
            double choice = sim.rng.nextDouble();
            if (choice < 0.15) {
                request("CANCEL", "POST", "/payments/" + id + "/cancel", "cancel-" + n + "-" + seed, "", id);
                return;
            }
            if (choice < 0.25) {
                spawnHelper("canceler" + n, () -> request("CANCEL", "POST", "/payments/" + id + "/cancel",
                        "cancel-" + n + "-" + seed, "", id));
            }
            String captureBody = sim.chance(0.5) ? "" : "{\"amount\":" + sim.between(1, (int) amount) + "}";
            Seen captured = request("CAPTURE", "POST", "/payments/" + id + "/capture", "capture-" + n + "-" + seed,
                    captureBody, id);
            if (captured == null || captured.status() != 200) {
                if (captured != null && captured.status() == 402 && sim.chance(0.5)) {
                    // A declined capture may be tried again, with a new key (a new attempt).
                    captured = request("CAPTURE", "POST", "/payments/" + id + "/capture",
                            "capture2-" + n + "-" + seed, captureBody, id);
                }
                if (captured == null || captured.status() != 200) {
                    return;
                }
            }
        }
        int refunds = sim.between(0, 4);
        for (int r = 1; r <= refunds; r++) {
            String refundKey = "refund-" + n + "-" + r + "-" + seed;
            String refundBody = "{\"amount\":" + sim.between(1, (int) Math.max(1, amount / 2)) + "}";
            if (sim.chance(0.4)) {
                spawnHelper("refunder" + n + "." + r,
                        () -> request("REFUND", "POST", "/payments/" + id + "/refunds", refundKey, refundBody, id));
            } else {
                request("REFUND", "POST", "/payments/" + id + "/refunds", refundKey, refundBody, id);
            }
            maybeGet(id);
        }
    }

    private void spawnHelper(String name, Runnable body) {
        clientsRunning++;
        sim.spawn(name, () -> {
            try {
                sim.sleep(Duration.ofMillis(sim.rng.nextInt(3000)));
                body.run();
            } finally {
                clientsRunning--;
            }
        });
    }

    private void maybeGet(String id) {
        if (sim.chance(0.5)) {
            sim.sleep(Duration.ofMillis(sim.rng.nextInt(90_000)));
            ApiResponse r = send("GET", "/payments/" + id, null, null);
            if (r != null) {
                observe(new Seen("GET", "GET", id, r.status(), r.body(), false));
            }
        }
    }

    /**
     * Reads random payments while the clients work: each GET reconciles from whatever snapshot it read, racing the
     * clients' resumes, the reconciler and other GETs.
     */
    private void poller() {
        while (clientsRunning > 0) {
            sim.sleep(Duration.ofMillis(200 + sim.rng.nextInt(20_000)));
            List<String> ids = List.copyOf(store.items.keySet());
            if (ids.isEmpty()) {
                continue;
            }
            String id = ids.get(sim.rng.nextInt(ids.size()));
            ApiResponse r = send("GET", "/payments/" + id, null, null);
            if (r != null) {
                observe(new Seen("GET", "GET", id, r.status(), r.body(), false));
            }
        }
    }

    /** The background reconciler, at random moments; after the clients are done it settles what is left. */
    private void backgroundReconciler() {
        int idleRounds = 0;
        while (true) {
            sim.sleep(Duration.ofSeconds(sim.between(5, 70)));
            boolean done = clientsRunning == 0;
            if (done) {
                sim.endChaos();
            }
            try {
                sim.inRequest(true);
                reconciler.run(50);
            } catch (Sim.Crash | RuntimeException e) {
                // A failed or killed run: the next one picks up the same work.
            } finally {
                sim.inRequest(false);
            }
            if (done && !sim.chaos() && processor.quiet()
                    && store.items.values().stream().noneMatch(Payment::hasPendingCalls)) {
                if (++idleRounds >= 2) {
                    return;
                }
            }
            if (done && idleRounds == 0 && ++quiesceRounds > 500) {
                violations.add("payments still pending after 500 reconciler runs past the end of faults");
                return;
            }
        }
    }

    private int quiesceRounds;
    /** Ids of everything that exists in the table: payments, refunds, attempts (filled by {@link #check()}). */
    private final Set<String> made = new java.util.HashSet<>();

    /** The resource a key worked on: the one that made something, else the last one handed out. */
    private String resourceOf(String key) {
        List<String> ids = List.copyOf(idempotencyStore.resourcesByKey.getOrDefault(key, Set.of()));
        return ids.stream().filter(made::contains).findFirst().orElse(ids.isEmpty() ? null : ids.getLast());
    }

    // ---- the client side of the contract ---------------------------------------------------------------------

    /** Sends one logical request until it gets a definitive answer; returns it (null if it never did). */
    private Seen request(String kind, String method, String path, String key, String body, String paymentId) {
        for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
            ApiResponse r = send(method, path, key, body);
            if (r != null) {
                String id = paymentId != null ? paymentId : idFrom(r.body());
                Seen s = new Seen(kind, key, id, r.status(), r.body(), "true".equals(r.headers().get("Idempotent-Replayed")));
                observe(s);
                if (!retryWithSameKey(r)) {
                    return s;
                }
            }
            sim.sleep(Duration.ofMillis(500 + sim.rng.nextInt(attempt < 5 ? 5_000 : 30_000)));
        }
        violations.add("no definitive answer after " + MAX_TRIES + " tries for " + kind + " " + key);
        return null;
    }

    /** What the contract tells a client: 5xx (except a 502 outcome), 409 and 202 are retried with the same key. */
    private static boolean retryWithSameKey(ApiResponse r) {
        if (r.status() == 202 || (r.status() >= 500 && r.status() != 502)) {
            return true;
        }
        return r.status() == 409 && (r.body().contains("idempotency-in-flight") || r.body().contains("concurrent-update"));
    }

    private ApiResponse send(String method, String path, String key, String body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        if (key != null) {
            headers.put("idempotency-key", key);
        }
        operations++;
        ApiRequest request = new ApiRequest(method, path, headers, Map.of(), body, Map.of("merchant_id", MERCHANT),
                "req-" + (++requestCounter));
        sim.trace.add(sim.clock.instant(), Thread.currentThread().getName(), method + " " + path
                + (key == null ? "" : " key=" + key));
        sim.inRequest(true);
        try {
            ApiResponse response = api.handle(request).response();
            sim.trace.add(sim.clock.instant(), Thread.currentThread().getName(), () -> "<- " + response.status()
                    + statusOf(response.body()));
            return response;
        } catch (Sim.Crash crash) {
            return null;
        } finally {
            sim.inRequest(false);
        }
    }

    private void observe(Seen s) {
        seen.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(s);
        JsonNode body = parse(s.body());
        if (body != null) {
            JsonNode payment = body.has("payment") ? body.get("payment") : body;
            if (payment.has("capturedAmount")) {
                long authorized = payment.get("authorizedAmount").asLong();
                long captured = payment.get("capturedAmount").asLong();
                long refunded = payment.get("refundedAmount").asLong();
                if (!(refunded <= captured && captured <= authorized)) {
                    violations.add("a client saw refunded <= captured <= authorized broken: " + s.body());
                }
            }
        }
    }

    // ---- invariants ----------------------------------------------------------------------------------------

    /** Checks every invariant; returns the violations (empty when the history is correct). */
    List<String> check() {
        violations.addAll(store.stateViolations);
        // Everything a key can have made: payments, refunds, capture and cancel attempts.
        made.clear();
        for (Payment p : store.items.values()) {
            made.add(p.id());
            p.refunds().forEach(r -> made.add(r.id()));
            p.attempts().forEach(a -> made.add(a.id()));
            if (p.pending() != null) {
                made.add(p.pending().attemptId());
            }
        }
        Map<String, String> keyOfPayment = new LinkedHashMap<>();
        idempotencyStore.resourcesByKey.forEach((key, ids) -> {
            // A released key (nothing happened) may be claimed again with a new id; one that made something may not.
            List<String> used = ids.stream().filter(made::contains).toList();
            if (used.size() > 1) {
                violations.add("Idempotency-Key " + key + " made " + used.size() + " resources: " + used);
            }
            ids.forEach(id -> keyOfPayment.put(id, key));
        });
        for (Payment p : store.items.values()) {
            ledgerMatches(p);
            if (!keyOfPayment.containsKey(p.id())) {
                violations.add("payment " + p.id() + " was created without an idempotency claim");
            }
            if (p.hasPendingCalls()) {
                violations.add("payment " + p.id() + " still has a pending call after quiescence");
            }
        }
        processor.authorizations.values().forEach(a -> {
            if (!store.items.containsKey(a.paymentId)) {
                violations.add("the processor authorized " + a.paymentId + ", which we have no record of");
            }
        });
        seen.values().forEach(list -> list.forEach(this::answerMatchesLedger));
        replaysAreIdentical();
        if (store.maxItemBytes > ITEM_SIZE_CEILING) {
            violations.add("an item reached " + store.maxItemBytes + " bytes");
        }
        return violations;
    }

    private void ledgerMatches(Payment p) {
        Result.Approved auth = processor.approved(p.id() + ":authorize");
        SimProcessor.Authorization ledger = auth == null ? null : processor.authorizations.get(auth.reference());
        if (ledger == null) {
            if (p.authorizedAmount() != 0 || !(p.status().name().equals("FAILED") || p.status().name().equals("DECLINED"))) {
                violations.add(p.id() + ": the processor authorized nothing but we record " + p.status()
                        + " authorized=" + p.authorizedAmount());
            }
            return;
        }
        if (p.authorizedAmount() != ledger.amount) {
            violations.add(p.id() + ": authorized " + p.authorizedAmount() + " but the processor authorized "
                    + ledger.amount + " (status " + p.status() + ")");
        }
        if (p.capturedAmount() != ledger.captured) {
            violations.add(p.id() + ": captured " + p.capturedAmount() + " but the processor captured " + ledger.captured);
        }
        if (p.refundedAmount() != ledger.refunded) {
            violations.add(p.id() + ": refunded " + p.refundedAmount() + " but the processor refunded " + ledger.refunded);
        }
        if (ledger.voided != (p.status().name().equals("CANCELED"))) {
            violations.add(p.id() + ": status " + p.status() + " but processor voided=" + ledger.voided);
        }
        for (Refund r : p.refunds()) {
            boolean approved = processor.approved(r.processorKey()) != null;
            if (approved != (r.status() == RefundStatus.SUCCEEDED)) {
                violations.add(p.id() + ": refund " + r.id() + " is " + r.status() + " but processor approved=" + approved);
            }
        }
        for (Attempt a : p.attempts()) {
            boolean approved = processor.approved(com.acme.payments.domain.ProcessorKeys.of(a.operation(), a.id())) != null;
            if (approved != (a.outcome() == Attempt.Outcome.APPROVED)) {
                violations.add(p.id() + ": attempt " + a.id() + " is " + a.outcome() + " but processor approved=" + approved);
            }
        }
    }

    /** No 2xx claimed a movement that did not happen; no "not charged" for money that moved. */
    private void answerMatchesLedger(Seen s) {
        String resource = s.key().equals("GET") ? null : resourceOf(s.key());
        JsonNode body = parse(s.body());
        String status = body == null ? null : body.path("status").asText(null);
        if (s.paymentId() != null && ("FAILED".equals(status) || "DECLINED".equals(status))
                && processor.approved(s.paymentId() + ":authorize") != null) {
            violations.add("a client was told " + status + " for " + s.paymentId() + ", which the processor authorized");
        }
        switch (s.kind()) {
            case "CREATE" -> {
                if (s.paymentId() == null) {
                    return;
                }
                boolean approved = processor.approved(s.paymentId() + ":authorize") != null;
                if ((s.status() == 402 || s.status() == 502) && approved) {
                    violations.add("create " + s.key() + " answered " + s.status() + " but the processor authorized it");
                }
                if (s.status() == 201 && !approved) {
                    violations.add("create " + s.key() + " answered 201 but the processor authorized nothing");
                }
            }
            case "CAPTURE", "CANCEL" -> {
                if (resource == null) {
                    return;
                }
                String op = s.kind().equals("CAPTURE") ? "capture" : "cancel";
                boolean approved = processor.approved(resource + ":" + op) != null;
                if (s.status() == 200 && !approved) {
                    violations.add(op + " " + s.key() + " answered 200 but the processor did not " + op);
                }
                if ((s.status() == 402 || s.status() == 502) && approved) {
                    violations.add(op + " " + s.key() + " answered " + s.status() + " but the processor did " + op);
                }
            }
            case "REFUND" -> {
                if (resource == null) {
                    return;
                }
                boolean approved = processor.approved(resource + ":refund") != null;
                if (s.status() == 201 && !approved) {
                    violations.add("refund " + s.key() + " answered 201 but the processor refunded nothing");
                }
                if ((s.status() == 402 || s.status() == 502) && approved) {
                    violations.add("refund " + s.key() + " answered " + s.status() + " but the processor refunded");
                }
            }
            default -> { }
        }
    }

    private void replaysAreIdentical() {
        seen.forEach((key, list) -> {
            if (key.equals("GET")) {
                return;
            }
            Seen first = null;
            for (Seen s : list) {
                if (Retention.of(s.status()) != Retention.STORE) {
                    continue;
                }
                if (first == null) {
                    first = s;
                } else if (first.status() != s.status() || !first.body().equals(s.body())) {
                    violations.add("key " + key + " answered " + first.status() + " then " + s.status()
                            + (s.replayed() ? " (replay)" : "") + ": replays must be identical");
                    return;
                }
            }
        });
    }

    private static String idFrom(String body) {
        JsonNode n = parse(body);
        if (n == null) {
            return null;
        }
        if (n.has("paymentId")) {
            return n.get("paymentId").asText();
        }
        return n.has("id") && n.get("id").asText().startsWith("pay_") ? n.get("id").asText() : null;
    }

    private static String statusOf(String body) {
        JsonNode n = parse(body);
        return n == null ? "" : " " + n.path("status").asText("") + " " + n.path("type").asText("").replace(
                "https://payments.acme.example/problems/", "");
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (Exception e) {
            return null;
        }
    }
}
