package com.acme.payments.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The region-outage drill of issue 12, on the running local system ({@code make local} on the test's ports):
 * <ol>
 *   <li>payments flow in us-east-1;</li>
 *   <li>us-east-1 goes down: its API stops listening and its link to the emulator is cut (its function, its side of
 *       the replication and every script call for that region lose AWS);</li>
 *   <li>{@code scripts/failover.sh --to us-east-2 --emergency} moves writes; payments go on in us-east-2;</li>
 *   <li>us-east-1 comes back: first its AWS (replication catches up; the same failover command, run again without
 *       {@code --emergency}, must converge and see us-east-1 refuse writes), then its API;</li>
 *   <li>a planned failback to us-east-1, SIGKILLed during its wait step and run again.</li>
 * </ol>
 * Throughout, clients keep retrying with their keys as the README tells them (on 503 region-not-active go to the
 * region it names; on a connection failure try the other region; never both at once), and a second sender does
 * what clients must not: it sends each request to both regions at the same moment. A prober polls both regions'
 * health to measure the time without a writable region. The figures come from the clients, the processor's ledger
 * (every approved authorization, with its amount: each request has a unique amount) and the final reads.
 */
final class OutageDrill {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String EAST1 = "us-east-1";
    static final String EAST2 = "us-east-2";
    private static final int CLIENTS = 3;
    /**
     * Between two payments of one client, and between two requests sent to both regions. The drill needs traffic
     * at every transition, not volume: every item lands in both regions' tables, which the local replication scans
     * twice a second.
     */
    private static final long PACE_MILLIS = 500;
    /** Long enough for a request caught mid-flight by the cut: its idempotency lock (60 s) must run out first. */
    private static final Duration SETTLE = Duration.ofSeconds(150);
    /**
     * Every drill request has its own amount, so the processor's ledger tells how often each was charged. Other
     * tests on the same system (the smoke test's 100, the loop test's 2500) stay below these ranges.
     */
    private static final long CLIENT_AMOUNTS = 100_000;
    private static final long DUAL_AMOUNTS = 500_000;

    private final Path root;
    private final Map<String, Integer> apiPorts;
    private final int controlPort;
    private final int processorPort;
    private final int emulatorPort;
    private final String env;
    private final Path logDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String merchant = "drill_" + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger sequence = new AtomicInteger();
    private volatile boolean stopping;
    private volatile String phase = "setup";

    // ---- figures -------------------------------------------------------------------------------------------
    final Queue<Payment> payments = new ConcurrentLinkedQueue<>();
    final Queue<DualSend> dualSends = new ConcurrentLinkedQueue<>();
    final AtomicInteger fenceRefusals = new AtomicInteger();
    final AtomicInteger transportFailures = new AtomicInteger();
    final AtomicInteger otherRetries = new AtomicInteger();
    final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
    final Map<String, AtomicLong> unwritableNanosByPhase = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> completedByRegion = new ConcurrentHashMap<>();
    final Map<String, Long> failoverSeconds = new LinkedHashMap<>();

    /** One client request (one Idempotency-Key) and what became of it. */
    static final class Payment {
        final String key;
        final long amount;
        volatile String id;
        volatile String completedIn;
        volatile int attempts;

        Payment(String key, long amount) {
            this.key = key;
            this.amount = amount;
        }
    }

    /** The same request sent to both regions at once. */
    record DualSend(String key, long amount, Answer east1, Answer east2) {
        /** Executions: 2xx answers that are not replays of a stored answer. */
        int executions() {
            return (east1.executed() ? 1 : 0) + (east2.executed() ? 1 : 0);
        }
    }

    record Answer(int status, String body, Map<String, List<String>> headers) {
        static Answer unreachable(String why) {
            return new Answer(-1, why, Map.of());
        }

        boolean executed() {
            return status >= 200 && status < 300 && headers.getOrDefault("idempotent-replayed", List.of()).isEmpty();
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return JSON.createObjectNode();
            }
        }
    }

    /** @param issuerPort the loop's local token issuer: every request carries one of its tokens for the drill's merchant */
    OutageDrill(Path root, int apiEast1, int apiEast2, int controlPort, int processorPort, int emulatorPort,
                int issuerPort, String env) throws IOException, InterruptedException {
        this.root = root;
        this.apiPorts = Map.of(EAST1, apiEast1, EAST2, apiEast2);
        this.controlPort = controlPort;
        this.processorPort = processorPort;
        this.emulatorPort = emulatorPort;
        this.env = env;
        this.logDir = root.resolve(".local/outage-drill-" + apiEast1);
        Files.createDirectories(logDir);
        // What `make token MERCHANT=<id>` asks for (valid for an hour, longer than the drill).
        HttpResponse<String> minted = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + issuerPort + "/token?merchant=" + merchant)).build(),
                HttpResponse.BodyHandlers.ofString());
        require(minted.statusCode() == 200, "the local issuer did not mint a token: " + minted.body());
        this.bearer = "Bearer " + minted.body().strip();
    }

    private final String bearer;

    // ---- the drill -----------------------------------------------------------------------------------------

    /** Runs every phase; returns the report lines. Throws when a phase cannot be completed at all. */
    List<String> run() throws Exception {
        long started = System.nanoTime();
        drillStart = started;
        List<Thread> clients = new ArrayList<>();
        enter("us-east-1 active");
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(Thread.ofVirtual().name("drill-client-" + i).start(this::clientLoop));
        }
        Thread dual = Thread.ofVirtual().name("drill-dual").start(this::dualLoop);
        Thread prober = Thread.ofVirtual().name("drill-prober").start(this::probeLoop);

        Thread.sleep(4_000);
        require(completedIn(EAST1) > 0, "no payment completed in us-east-1 before the outage");

        enter("us-east-1 down, before the emergency failover");
        control("POST", "/_local/regions/" + EAST1 + "/outage");
        Thread.sleep(1_000);
        enter("emergency failover to us-east-2");
        Failover emergency = failover("1-emergency", List.of("--to", EAST2, "--emergency"), null);
        require(emergency.exit == 0, "emergency failover failed, see " + emergency.log);
        require(emergency.output.contains("SKIPPED"), "the emergency failover did not say what it skipped");
        failoverSeconds.put("emergency failover to us-east-2", emergency.seconds);

        enter("us-east-2 active");
        int before = completedIn(EAST2);
        Thread.sleep(4_000);
        require(completedIn(EAST2) > before, "no payment completed in us-east-2 after the emergency failover");

        // us-east-1 returns: AWS first (replication resumes and delivers the new record), then the same command
        // again must converge and prove us-east-1 refuses writes, and only then its API takes traffic again.
        enter("us-east-1 returning (AWS only)");
        control("POST", "/_local/regions/" + EAST1 + "/restore?only=aws");
        // Replication catches up with everything us-east-2 wrote meanwhile; on a busy machine that takes a while.
        waitUntil(Duration.ofSeconds(120), () -> recordIn(EAST1).startsWith(EAST2 + "@"),
                "us-east-1's replica to receive the record that makes us-east-2 active");
        Failover rerun = failover("2-emergency-rerun", List.of("--to", EAST2), null);
        require(rerun.exit == 0, "rerun of the failover after us-east-1 came back failed, see " + rerun.log);
        require(rerun.output.contains("write refused in " + EAST1) || rerun.output.contains("refused, 503"),
                "the rerun did not see us-east-1 refuse a write");
        failoverSeconds.put("the same command again, us-east-1 back", rerun.seconds);
        control("POST", "/_local/regions/" + EAST1 + "/restore");
        enter("us-east-2 active, us-east-1 standby");
        Thread.sleep(3_000);

        enter("planned failback to us-east-1");
        Failover killed = failover("3-failback-killed", List.of("--to", EAST1), "waiting out stale views");
        require(killed.exit == 137, "the failback was not killed in its wait step (exit " + killed.exit + ")");
        Failover failback = failover("4-failback-rerun", List.of("--to", EAST1), null);
        require(failback.exit == 0, "failback rerun after the kill failed, see " + failback.log);
        failoverSeconds.put("planned failback, SIGKILLed in its wait step", killed.seconds);
        failoverSeconds.put("planned failback, run again after the kill", failback.seconds);

        enter("us-east-1 active again");
        before = completedIn(EAST1);
        Thread.sleep(4_000);
        require(completedIn(EAST1) > before, "no payment completed in us-east-1 after the failback");

        enter("settling");
        stopping = true;
        dual.join(Duration.ofSeconds(30));
        prober.interrupt();
        for (Thread client : clients) {
            require(client.join(SETTLE), "a client did not finish its last request within " + SETTLE);
        }
        settleDualSends();
        enter("verifying");
        List<String> report = verify();
        report.add(String.format("drill took %d s", (System.nanoTime() - started) / 1_000_000_000L));
        return report;
    }

    private long drillStart = System.nanoTime();

    private void enter(String next) {
        phase = next;
        System.out.printf("outage drill: +%ds %s%n", (System.nanoTime() - drillStart) / 1_000_000_000L, next);
    }

    // ---- clients -------------------------------------------------------------------------------------------

    private void clientLoop() {
        String region = EAST1;
        while (!stopping) {
            int n = sequence.incrementAndGet();
            Payment p = new Payment("drill-" + merchant + "-" + n, CLIENT_AMOUNTS + n);
            payments.add(p);
            region = complete(p, region, System.nanoTime() + SETTLE.toNanos() * 2);
            if (p.completedIn != null) {
                completedByRegion.computeIfAbsent(p.completedIn, r -> new AtomicInteger()).incrementAndGet();
            }
            pause(PACE_MILLIS);
        }
    }

    /** Retries one request with its key until it has a final answer; returns the region the client now believes in. */
    private String complete(Payment p, String region, long deadline) {
        String body = "{\"amount\":" + p.amount + ",\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\"}";
        while (System.nanoTime() < deadline) {
            p.attempts++;
            Answer a = post(region, p.key, body);
            if (a.status() == 201) {
                p.id = a.json().get("id").asText();
                p.completedIn = region;
                return region;
            }
            if (a.status() == -1) {
                // The region does not answer: ask the other one. A write there is refused unless it is active.
                transportFailures.incrementAndGet();
                region = other(region);
                pause(200);
            } else if (a.status() == 503 && a.json().path("type").asText().endsWith("/region-not-active")) {
                fenceRefusals.incrementAndGet();
                String active = a.json().path("activeRegion").asText(null);
                if (active != null && !active.equals("null") && !active.equals(region)) {
                    region = active;
                } else {
                    pause(500); // a failover is moving writes: wait as Retry-After says (shortened for the drill)
                }
            } else if (a.status() == 503 || a.status() == 409) {
                otherRetries.incrementAndGet(); // a dependency, or our own first attempt still holds the key
                pause(300);
            } else {
                unexpected.add(p.key + " answered " + a.status() + " " + a.body());
                return region;
            }
        }
        unexpected.add(p.key + " never completed");
        return region;
    }

    private void dualLoop() {
        while (!stopping) {
            int n = sequence.incrementAndGet();
            String key = "drill-dual-" + merchant + "-" + n;
            long amount = DUAL_AMOUNTS + n;
            String body = "{\"amount\":" + amount + ",\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\"}";
            Answer[] answers = new Answer[2];
            Thread t1 = Thread.ofVirtual().start(() -> answers[0] = post(EAST1, key, body));
            Thread t2 = Thread.ofVirtual().start(() -> answers[1] = post(EAST2, key, body));
            try {
                t1.join();
                t2.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            dualSends.add(new DualSend(key, amount, answers[0], answers[1]));
            pause(PACE_MILLIS);
        }
    }

    /**
     * Each dual request that got no 2xx anywhere is finished in the active region (in parallel), so every one of them
     * completes and the ledger can show each was charged exactly once.
     */
    private void settleDualSends() throws InterruptedException {
        List<Thread> settling = new ArrayList<>();
        for (DualSend d : dualSends) {
            if (!isSuccess(d.east1()) && !isSuccess(d.east2())) {
                settling.add(Thread.ofVirtual().start(() -> {
                    Payment p = new Payment(d.key(), d.amount());
                    complete(p, EAST1, System.nanoTime() + SETTLE.toNanos());
                    if (p.id == null) {
                        unexpected.add("dual request " + d.key() + " could not be completed afterwards");
                    }
                }));
            }
        }
        for (Thread t : settling) {
            require(t.join(SETTLE.plusSeconds(30)), "a dual request did not complete afterwards");
        }
    }

    private static boolean isSuccess(Answer a) {
        return a.status() >= 200 && a.status() < 300;
    }

    private void probeLoop() {
        long last = System.nanoTime();
        while (!Thread.currentThread().isInterrupted()) {
            boolean writable = false;
            for (String region : List.of(EAST1, EAST2)) {
                // Health answers within a second by design; the extra second is for a busy test machine.
                Answer h = get(region, "/health", Duration.ofSeconds(2));
                writable |= h.status() == 200 && h.json().path("writable").asBoolean(false);
            }
            long now = System.nanoTime();
            if (!writable) {
                unwritableNanosByPhase.computeIfAbsent(phase, k -> new AtomicLong()).addAndGet(now - last);
            }
            last = now;
            if (!pause(200)) {
                return;
            }
        }
    }

    // ---- verification --------------------------------------------------------------------------------------

    private List<String> verify() throws Exception {
        Thread.sleep(1_500); // one more replication round
        JsonNode ledger = JSON.readTree(http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + processorPort + "/_ledger")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("authorizations");
        Map<Long, Integer> chargesByAmount = new HashMap<>();
        Map<Long, String> paymentIdByAmount = new HashMap<>();
        for (JsonNode auth : ledger) {
            if (auth.get("amount").asLong() < CLIENT_AMOUNTS) {
                continue; // not a drill request
            }
            chargesByAmount.merge(auth.get("amount").asLong(), 1, Integer::sum);
            paymentIdByAmount.put(auth.get("amount").asLong(), auth.get("paymentId").asText());
        }
        int attempted = payments.size();
        int completed = 0;
        List<String> lost = new ArrayList<>();
        Map<String, JsonNode> listed = listAll(EAST1);
        for (Payment p : payments) {
            if (p.id == null) {
                lost.add(p.key + ": no final answer");
                continue;
            }
            completed++;
            JsonNode read = authorized(listed, p.id);
            if (!p.id.equals(read.path("id").asText()) || read.path("amount").asLong() != p.amount
                    || !read.path("status").asText().equals("AUTHORIZED")) {
                lost.add(p.key + ": " + p.id + " reads " + read);
            }
        }
        // Money that moved must have a payment behind it, in the state the processor knows.
        for (Map.Entry<Long, String> charge : paymentIdByAmount.entrySet()) {
            JsonNode read = authorized(listed, charge.getValue());
            if (read.path("amount").asLong() != charge.getKey() || !read.path("status").asText().equals("AUTHORIZED")) {
                lost.add("charge of " + charge.getKey() + " for " + charge.getValue() + " has no authorized payment: "
                        + read);
            }
        }
        long chargedTwice = chargesByAmount.values().stream().filter(c -> c > 1).count();
        int dualTotal = dualSends.size();
        long dualTwice = dualSends.stream().filter(d -> d.executions() > 1).count();
        long dualOnce = dualSends.stream().filter(d -> d.executions() == 1).count();
        long dualBothRefused = dualSends.stream().filter(d -> d.executions() == 0).count();
        long dualChargedOtherThanOnce = dualSends.stream()
                .filter(d -> chargesByAmount.getOrDefault(d.amount(), 0) != 1).count();
        double unwritable = unwritableNanosByPhase.values().stream().mapToLong(AtomicLong::get).sum() / 1e9;

        this.lost = lost;
        this.chargedTwice = chargedTwice;
        this.dualExecutedTwice = dualTwice;
        this.dualNotChargedOnce = dualChargedOtherThanOnce;
        this.attempted = attempted;
        this.completed = completed;
        this.dualTotal = dualTotal;

        List<String> report = new ArrayList<>();
        report.add(String.format("payments attempted %d, completed %d, lost %d, charged twice %d",
                attempted, completed, lost.size(), chargedTwice));
        report.add(String.format("completed per region: %s", completedByRegion));
        report.add(String.format("requests refused by the fence (503 region-not-active) %d; connection failures %d;"
                + " other retries (409 in flight, 503 dependency) %d", fenceRefusals.get(), transportFailures.get(),
                otherRetries.get()));
        StringBuilder phases = new StringBuilder();
        unwritableNanosByPhase.forEach((k, v) -> phases.append(String.format("; %s %.1f", k, v.get() / 1e9)));
        report.add(String.format("seconds without a writable region: %.1f%s", unwritable, phases));
        report.add(String.format("same request sent to both regions at once: %d requests, executed once %d, executed"
                + " twice %d, refused by both at that moment %d (finished afterwards); processor charges per request"
                + " other than exactly 1: %d", dualTotal, dualOnce, dualTwice, dualBothRefused, dualChargedOtherThanOnce));
        failoverSeconds.forEach((k, v) -> report.add(String.format("%s: %d s", k, v)));
        lost.stream().limit(5).forEach(l -> report.add("  LOST " + l));
        unexpected.stream().limit(5).forEach(u -> report.add("  UNEXPECTED " + u));
        return report;
    }

    /** Every payment of the drill's merchant in a region, by id, through the listing (100 a page). */
    private Map<String, JsonNode> listAll(String region) {
        Map<String, JsonNode> byId = new HashMap<>();
        String cursor = null;
        do {
            Answer page = get(region, "/payments?limit=100" + (cursor == null ? ""
                    : "&cursor=" + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8)),
                    Duration.ofSeconds(30));
            require(page.status() == 200, "listing answered " + page.status() + " " + page.body());
            page.json().get("items").forEach(item -> byId.put(item.get("id").asText(), item));
            JsonNode next = page.json().get("nextCursor");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return byId;
    }

    /** The payment as listed; read by id (which reconciles anything pending, as a client's read would) otherwise. */
    private JsonNode authorized(Map<String, JsonNode> listed, String id) {
        JsonNode item = listed.get(id);
        if (item != null && item.path("status").asText().equals("AUTHORIZED")) {
            return item;
        }
        return get(EAST1, "/payments/" + id, Duration.ofSeconds(10)).json();
    }

    List<String> lost = List.of();
    long chargedTwice = -1;
    long dualExecutedTwice = -1;
    long dualNotChargedOnce = -1;
    int attempted;
    int completed;
    int dualTotal;

    // ---- plumbing ------------------------------------------------------------------------------------------

    private record Failover(int exit, long seconds, String output, Path log) { }

    /**
     * Runs scripts/failover.sh against the loop's emulator, each region through its link (so a cut region is
     * unreachable for the script too). With {@code killWhen}, SIGKILLs its whole process group once that text
     * appears in its output.
     */
    private Failover failover(String name, List<String> args, String killWhen) throws Exception {
        JsonNode regions = JSON.readTree(control("GET", "/_local/regions"));
        List<String> command = new ArrayList<>(List.of("setsid", root.resolve("scripts/failover.sh").toString(),
                "--env", env));
        command.addAll(args);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> e = pb.environment();
        e.put("AWS_ENDPOINT_URL", "http://127.0.0.1:" + emulatorPort);
        e.put("AWS_ACCESS_KEY_ID", "test");
        e.put("AWS_SECRET_ACCESS_KEY", "test");
        e.put("LOCAL_REGION_ENDPOINTS", EAST1 + "=" + regions.get(EAST1).get("aws").asText() + " "
                + EAST2 + "=" + regions.get(EAST2).get("aws").asText());
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (killWhen != null) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (p.isAlive() && System.nanoTime() < deadline && !Files.readString(log).contains(killWhen)) {
                Thread.sleep(200);
            }
            if (p.isAlive()) {
                new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).start().waitFor();
            }
        }
        require(p.waitFor(8, TimeUnit.MINUTES), "failover " + name + " did not finish in 8 minutes");
        String output = Files.readString(log);
        System.out.println("---- failover " + name + " (exit " + p.exitValue() + ") ----");
        output.lines().filter(l -> l.startsWith("[") || l.contains("SKIPPED") || l.startsWith("failover"))
                .forEach(l -> System.out.println("  " + l));
        return new Failover(p.exitValue(), (System.nanoTime() - t0) / 1_000_000_000L, output, log);
    }

    private String control(String method, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        require(r.statusCode() == 200, "control " + path + " answered " + r.statusCode());
        return r.body();
    }

    /** The active-region record in a region's replica, read straight from the emulator: "region@epoch". */
    private String recordIn(String region) {
        try (DynamoDbClient ddb = DynamoDbClient.builder().region(Region.of(region))
                .endpointOverride(URI.create("http://127.0.0.1:" + emulatorPort))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            Map<String, AttributeValue> item = ddb.getItem(b -> b.tableName("payments-" + env).consistentRead(true)
                    .key(Map.of("pk", AttributeValue.fromS("FENCE#active-region"),
                            "sk", AttributeValue.fromS("FENCE")))).item();
            return item == null || item.isEmpty() ? "missing" : item.get("activeRegion").s() + "@" + item.get("epoch").n();
        }
    }

    private Answer post(String region, String key, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get(region) + "/payments"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .header("Authorization", bearer).header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return send(request);
    }

    private Answer get(String region, String path, Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPorts.get(region) + path))
                .timeout(timeout).header("Authorization", bearer).GET().build());
    }

    private Answer send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            return Answer.unreachable(e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.unreachable("interrupted");
        }
    }

    private int completedIn(String region) {
        AtomicInteger n = completedByRegion.get(region);
        return n == null ? 0 : n.get();
    }

    private static String other(String region) {
        return region.equals(EAST1) ? EAST2 : EAST1;
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void waitUntil(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            require(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(250);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError("outage drill: " + message);
        }
    }
}
