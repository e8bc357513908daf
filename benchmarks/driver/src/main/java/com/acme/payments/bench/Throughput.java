package com.acme.payments.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Requests per second of the local API ({@code LocalRuntime}: the real handler behind the JDK HTTP server, as
 * {@code make local} runs it) at a fixed number of connections, driven by wrk with a Lua script per operation.
 * Errors are counted, never dropped: socket errors (connect, read, write, timeout) as wrk reports them, and every
 * response outside 2xx, counted by the script's {@code response()} hook.
 */
final class Throughput {
    record WrkRun(String op, int round, long requests, double seconds, long non2xx, long connectErrors,
                  long readErrors, long writeErrors, long timeouts, double p50Ms, double p99Ms, double maxMs,
                  double serverCpuMsPerRequest, double emulatorCpuMsPerRequest) {
        double rps() {
            return requests / seconds;
        }

        double okRps() {
            return (requests - non2xx) / seconds;
        }

        long socketErrors() {
            return connectErrors + readErrors + writeErrors + timeouts;
        }
    }

    private final String java;
    private final String runtimeClasspath;
    private final List<String> cpuPinning;
    private final Map<String, String> baseEnv;
    private final Path out;
    private final ObjectMapper json = new ObjectMapper();
    private final long emulatorPid;
    private long serverPid = -1;
    /** Peak RSS (VmHWM) of the local API server after the last round, kB. */
    long serverHwmKb = -1;

    Throughput(String java, String runtimeClasspath, String serverCpus, Map<String, String> baseEnv, Path out,
               long emulatorPid) {
        this.emulatorPid = emulatorPid;
        this.java = java;
        this.runtimeClasspath = runtimeClasspath;
        this.cpuPinning = serverCpus == null || serverCpus.isBlank() ? List.of() : List.of("taskset", "-c", serverCpus);
        this.baseEnv = baseEnv;
        this.out = out;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    List<WrkRun> run(String endpoint, int rounds, int seconds, int connections, int threads) throws Exception {
        int processorPort = freePort();
        int apiPort = freePort();
        List<WrkRun> runs = new ArrayList<>();
        try (BenchDeployment deployment = new BenchDeployment(endpoint, "tp", "http://127.0.0.1:" + processorPort)) {
            Path envFile = out.resolve("throughput-function-env.json");
            Files.writeString(envFile, json.writeValueAsString(Map.of(
                    "PAYMENTS_TABLE_NAME", deployment.table, "PAYMENTS_PARAMETER_PATH", deployment.parameterPath,
                    "PAYMENTS_REGION_ROLE", "primary")));
            List<String> cmd = new ArrayList<>(cpuPinning);
            // The JVM flags of scripts/local.sh (make local).
            cmd.addAll(List.of(java, "-XX:+UseSerialGC", "-cp", runtimeClasspath, "com.acme.payments.local.LocalRuntime",
                    "--env-file", BenchDeployment.REGION + "=" + envFile, "--port", BenchDeployment.REGION + "=" + apiPort,
                    "--processor-port", Integer.toString(processorPort),
                    // The requests carry X-Dev-Merchant: token validation is API Gateway's work on AWS, not the
                    // function's, so it stays out of this measurement (explicit opt-in of the local runtime).
                    "--dev-identity"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().clear();
            pb.environment().putAll(baseEnv);
            pb.environment().put("PROCESSOR_API_KEYS", deployment.apiKey);
            Path serverLog = out.resolve("throughput-server.log");
            pb.redirectErrorStream(true);
            pb.redirectOutput(serverLog.toFile());
            Bench.log("  starting LocalRuntime on 127.0.0.1:%d (stub processor :%d), log %s", apiPort, processorPort,
                    serverLog);
            Process server = pb.start();
            serverPid = server.pid();
            try {
                awaitReady(server, serverLog);
                String base = "http://127.0.0.1:" + apiPort;
                String merchant = "m_tp_" + UUID.randomUUID().toString().substring(0, 8);
                Path ids = out.resolve("throughput-payment-ids.txt");
                Files.write(ids, createPayments(base, merchant, 200));
                Path postLua = resource("post.lua");
                Path getLua = resource("get.lua");
                String prefix = "tp" + Long.toHexString(System.nanoTime());
                Bench.log("  wrk warm-up (%d s each, discarded)", seconds);
                wrk("POST", 0, postLua, base, seconds, connections, threads, List.of(prefix + "w", merchant));
                wrk("GET", 0, getLua, base, seconds, connections, threads, List.of(ids.toString(), merchant));
                for (int r = 1; r <= rounds; r++) {
                    boolean postFirst = (r & 1) == 1;
                    for (int k = 0; k < 2; k++) {
                        boolean post = postFirst == (k == 0);
                        WrkRun run = post
                                ? wrk("POST", r, postLua, base, seconds, connections, threads, List.of(prefix + "r" + r, merchant))
                                : wrk("GET", r, getLua, base, seconds, connections, threads, List.of(ids.toString(), merchant));
                        runs.add(run);
                        Bench.log("  round %d %-4s %7.1f req/s, non-2xx %d, socket errors %d, p50 %.1f ms, p99 %.1f ms",
                                r, run.op(), run.rps(), run.non2xx(), run.socketErrors(), run.p50Ms(), run.p99Ms());
                    }
                }
                serverHwmKb = procStatusKb(serverPid, "VmHWM");
            } finally {
                server.destroy();
                if (!server.waitFor(15, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
        }
        return runs;
    }

    private void awaitReady(Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("LOCAL READY")) {
                return;
            }
            if (!server.isAlive()) {
                throw new IllegalStateException("LocalRuntime exited: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("LocalRuntime not ready after 90 s: " + Files.readString(log));
    }

    private List<String> createPayments(String base, String merchant, int count) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/payments"))
                    .header("Content-Type", "application/json").header("X-Dev-Merchant", merchant)
                    .header("Idempotency-Key", "tp-seed-" + UUID.randomUUID())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":1000,\"currency\":\"USD\","
                            + "\"paymentMethod\":\"tok_visa_4242\",\"description\":\"seed\"}"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IllegalStateException("seeding a payment answered " + r.statusCode() + ": " + r.body());
            }
            ids.add(json.readTree(r.body()).get("id").asText());
        }
        return ids;
    }

    private Path resource(String name) throws IOException {
        Path target = out.resolve(name);
        try (InputStream in = Throughput.class.getResourceAsStream("/bench/" + name)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private WrkRun wrk(String op, int round, Path script, String base, int seconds, int connections, int threads,
                       List<String> scriptArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s",
                "--timeout", "5s", "-s", script.toString(), base, "--"));
        cmd.addAll(scriptArgs);
        long serverCpu0 = cpuTicks(serverPid);
        long emulatorCpu0 = cpuTicks(emulatorPid);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder all = new StringBuilder();
        JsonNode result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                all.append(line).append('\n');
                if (line.startsWith("@@WRK ")) {
                    result = json.readTree(line.substring(6));
                }
            }
        }
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS) || p.exitValue() != 0 || result == null) {
            p.destroyForcibly();
            throw new IllegalStateException("wrk failed: " + String.join(" ", cmd) + "\n" + all);
        }
        long serverCpu = cpuTicks(serverPid) - serverCpu0;
        long emulatorCpu = cpuTicks(emulatorPid) - emulatorCpu0;
        Files.writeString(out.resolve("wrk-" + op.toLowerCase() + "-round" + round + ".txt"), all);
        long requests = result.get("requests").asLong();
        return new WrkRun(op, round, requests, result.get("duration_us").asLong() / 1e6,
                result.get("non2xx").asLong(), result.get("connect").asLong(), result.get("read").asLong(),
                result.get("write").asLong(), result.get("timeout").asLong(), result.get("p50_us").asLong() / 1e3,
                result.get("p99_us").asLong() / 1e3, result.get("max_us").asLong() / 1e3,
                serverCpu0 < 0 ? Double.NaN : serverCpu * TICK_MS / requests,
                emulatorCpu0 < 0 ? Double.NaN : emulatorCpu * TICK_MS / requests);
    }

    /** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on Linux x86-64 and arm64. */
    static final double TICK_MS = 10.0;

    /** User + system CPU of a process (all its threads) in clock ticks, or -1 if unknown. */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 (utime) and 15 (stime)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long procStatusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
