package com.acme.payments.bench;

import com.acme.payments.bench.ColdPath.Run;
import com.acme.payments.bench.ColdPath.Variant;
import com.acme.payments.bench.Throughput.WrkRun;
import com.acme.payments.local.RuntimeInterfaceEmulator;
import com.acme.payments.local.StubProcessor;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark driver (scripts/bench.sh runs it). Phases: {@code package}, {@code cold}, {@code warm},
 * {@code throughput}; all by default. Writes {@code results.md} (the tables of docs/benchmarks.md) and the raw
 * samples as CSV into {@code --out}. Needs AWS_ENDPOINT_URL (the emulator) and test credentials in its environment.
 */
public final class Bench {
    private Bench() {
    }

    static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, format + "%n", args);
        System.err.flush();
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>(Map.of("--cold-runs", "10", "--warm-iterations", "1000",
                "--warm-warmup", "300", "--tp-rounds", "10", "--tp-seconds", "5", "--tp-connections", "16",
                "--tp-threads", "2", "--child-cpus", "", "--phases", "package,cold,warm,throughput"));
        a.put("--emulator", "unknown");
        for (int i = 0; i + 1 < argv.length; i += 2) {
            a.put(argv[i], argv[i + 1]);
        }
        for (String required : List.of("--out", "--function-jar", "--baseline-jar", "--child-jar",
                "--runtime-classpath")) {
            if (!a.containsKey(required)) {
                throw new IllegalArgumentException("missing " + required);
            }
        }
        String endpoint = System.getenv("AWS_ENDPOINT_URL");
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalStateException("AWS_ENDPOINT_URL must point at the emulator");
        }
        Path out = Files.createDirectories(Path.of(a.get("--out")).toAbsolutePath());
        Path functionJar = Path.of(a.get("--function-jar")).toAbsolutePath();
        Path baselineJar = Path.of(a.get("--baseline-jar")).toAbsolutePath();
        Path childJar = Path.of(a.get("--child-jar")).toAbsolutePath();
        String runtimeClasspath = Files.readString(Path.of(a.get("--runtime-classpath"))).trim();
        Set<String> phases = Set.of(a.get("--phases").split(","));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Report report = new Report(a);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("AWS_ENDPOINT_URL", endpoint);

        if (phases.contains("package")) {
            log("== package size and content");
            report.packages(PackageStats.of(functionJar), PackageStats.of(baselineJar));
            report.phaseDone("package");
        }
        if (phases.contains("cold")) {
            log("== cold path (%s rounds, interleaved)", a.get("--cold-runs"));
            List<Run> runs = cold(java, endpoint, env, functionJar, baselineJar, childJar, runtimeClasspath,
                    Integer.parseInt(a.get("--cold-runs")), a.get("--child-cpus"), out);
            writeCsv(out.resolve("cold-runs.csv"),
                    "variant,round,init_ms,probe_ms,first_invoke_ms,init_plus_first_ms,exit_ms,classes_init,classes_end,"
                            + "hwm_kb,rss_kb,runtime_ready_ms,lambda_init_ms",
                    runs.stream().map(r -> String.format(Locale.ROOT, "%s,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%d,%d,%d,%d,%.2f,%.2f",
                            r.variant(), r.round(), r.initMs(), r.probeMs(), r.invokeMs(), r.totalMs(), r.exitMs(),
                            r.classesInit(), r.classesEnd(), r.hwmKb(), r.rssKb(), r.runtimeReadyMs(),
                            r.lambdaInitMs())).toList());
            report.cold(runs, lastTrainings);
            report.classLoading(lastProfiles);
            report.phaseDone("cold");
        }
        if (phases.contains("warm")) {
            log("== warm overhead (%s warm-up + %s measured iterations, interleaved)", a.get("--warm-warmup"),
                    a.get("--warm-iterations"));
            WarmOverhead.Result result = warm(endpoint, Integer.parseInt(a.get("--warm-warmup")),
                    Integer.parseInt(a.get("--warm-iterations")));
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < result.handlerCreateMs().length; i++) {
                rows.add(String.format(Locale.ROOT, "%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f", i,
                        result.handlerCreateMs()[i], result.rawCreateMs()[i], result.handlerGetMs()[i],
                        result.rawGetMs()[i], result.handlerCreateCpuMs()[i], result.rawCreateCpuMs()[i],
                        result.handlerGetCpuMs()[i], result.rawGetCpuMs()[i]));
            }
            writeCsv(out.resolve("warm-samples.csv"), "iteration,handler_create_ms,raw_create_ms,handler_get_ms,"
                    + "raw_get_ms,handler_create_cpu_ms,raw_create_cpu_ms,handler_get_cpu_ms,raw_get_cpu_ms", rows);
            report.warm(result);
            report.phaseDone("warm");
        }
        if (phases.contains("throughput")) {
            log("== throughput (wrk, %s connections, %s rounds x %s s per operation)", a.get("--tp-connections"),
                    a.get("--tp-rounds"), a.get("--tp-seconds"));
            Map<String, String> serverEnv = new LinkedHashMap<>(env);
            serverEnv.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            Throughput throughput = new Throughput(java, runtimeClasspath, a.get("--child-cpus"), serverEnv, out,
                    Long.parseLong(a.getOrDefault("--emulator-pid", "-1")));
            List<WrkRun> runs = throughput.run(endpoint, Integer.parseInt(a.get("--tp-rounds")), Integer.parseInt(a.get("--tp-seconds")),
                            Integer.parseInt(a.get("--tp-connections")), Integer.parseInt(a.get("--tp-threads")));
            writeCsv(out.resolve("throughput-runs.csv"),
                    "op,round,requests,seconds,rps,non2xx,connect,read,write,timeout,p50_ms,p99_ms,max_ms,"
                            + "server_cpu_ms_per_req,emulator_cpu_ms_per_req",
                    runs.stream().map(r -> String.format(Locale.ROOT,
                            "%s,%d,%d,%.3f,%.1f,%d,%d,%d,%d,%d,%.2f,%.2f,%.2f,%.3f,%.3f",
                            r.op(), r.round(), r.requests(), r.seconds(), r.rps(), r.non2xx(), r.connectErrors(),
                            r.readErrors(), r.writeErrors(), r.timeouts(), r.p50Ms(), r.p99Ms(), r.maxMs(),
                            r.serverCpuMsPerRequest(), r.emulatorCpuMsPerRequest())).toList());
            report.throughput(runs, throughput.serverHwmKb);
            report.phaseDone("throughput");
        }
        Path md = out.resolve("results.md");
        Files.writeString(md, report.render());
        log("== done: %s", md);
    }

    // ---- cold path -------------------------------------------------------------------------------------------

    private static Map<String, long[]> lastTrainings = Map.of();
    private static Map<String, Map<String, Integer>> lastProfiles = Map.of();

    static final String HELLO = "hello";
    static final String BASELINE = "baseline";
    static final String PRIMED = "function";
    static final String UNPRIMED = "function-unprimed";
    /** The same three programs as Lambda handlers under aws-lambda-rie + the Java runtime interface client. */
    static final String RIE = "rie-";
    static final String RIE_HELLO = RIE + HELLO;
    static final String RIE_BASELINE = RIE + BASELINE;
    static final String RIE_FUNCTION = RIE + "function";

    private static List<Run> cold(String java, String endpoint, Map<String, String> env, Path functionJar,
                                  Path baselineJar, Path childJar, String runtimeClasspath, int rounds,
                                  String childCpus, Path out)
            throws Exception {
        try (BenchDeployment deployment = new BenchDeployment(endpoint, "cold", "http://127.0.0.1:9");
             StubProcessor stub = new StubProcessor("127.0.0.1", 0, Set.of(deployment.apiKey))) {
            deployment.put("processor/endpoint", stub.url(), ParameterType.STRING);
            Map<String, String> childEnv = new LinkedHashMap<>(env);
            childEnv.putAll(deployment.functionEnv());
            // What the Lambda runtime also sets (no effect on the code paths measured; for fidelity).
            childEnv.put("AWS_DEFAULT_REGION", BenchDeployment.REGION);
            childEnv.put("AWS_LAMBDA_FUNCTION_NAME", "payments-bench-api");
            childEnv.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
            childEnv.put("AWS_EXECUTION_ENV", "AWS_Lambda_java25");
            childEnv.put("TZ", ":UTC");
            Path repository = Path.of("").toAbsolutePath();
            ColdPath cold = new ColdPath(java, childCpus, childEnv, out,
                    RuntimeInterfaceEmulator.Layout.of(repository));

            String fn = functionJar + File.pathSeparator + childJar;
            String child = "com.acme.payments.bench.child.";
            List<Variant> variants = new ArrayList<>();
            for (boolean aot : new boolean[] {false, true}) {
                String s = aot ? "+aot" : "";
                variants.add(new Variant(HELLO + s, "JVM hello-world (floor)", childJar.toString(),
                        child + "HelloWorld", List.of(), aot));
                variants.add(new Variant(BASELINE + s, "baseline: SDK defaults, same calls", baselineJar.toString(),
                        "com.acme.payments.bench.baseline.BaselineColdStart", List.of(), aot));
                variants.add(new Variant(PRIMED + s, "our function, primed at init", fn, child + "FunctionColdStart",
                        List.of("prime"), aot));
                variants.add(new Variant(UNPRIMED + s, "our function, no priming", fn, child + "FunctionColdStart",
                        List.of("noprime"), aot));
            }
            // Under the real runtime pieces. Task directories as Lambda builds them: the deployment package unzipped;
            // the baseline and the floor get aws-lambda-java-events in lib/, as a SAM-built zip would carry it
            // (our shaded jar has it inside). The event is the same create event, as API Gateway sends it (JSON).
            Path eventsJar = Path.of(Arrays.stream(runtimeClasspath.split(File.pathSeparator))
                    .filter(e -> e.contains("aws-lambda-java-events-")).findFirst().orElseThrow());
            Path tasks = out.resolve("lambda-task");
            String event = new com.fasterxml.jackson.databind.ObjectMapper()
                    .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                    .writeValueAsString(com.acme.payments.bench.child.FunctionColdStart.createEvent("@MERCHANT@",
                            "@KEY@"));
            variants.add(new Variant(RIE_HELLO, "RIE + runtime client + a handler that does nothing", "", "", List.of(),
                    false, new ColdPath.Lambda(RuntimeInterfaceEmulator.taskDirectory(childJar,
                    List.of(eventsJar), tasks), child + "HelloHandler::handleRequest", event)));
            variants.add(new Variant(RIE_BASELINE, "RIE + runtime client + the baseline as a handler", "", "", List.of(),
                    false, new ColdPath.Lambda(RuntimeInterfaceEmulator.taskDirectory(
                    baselineJar, List.of(eventsJar), tasks), "com.acme.payments.bench.baseline.BaselineHandler::handleRequest",
                    event)));
            variants.add(new Variant(RIE_FUNCTION, "RIE + runtime client + payment-function.jar (on-demand: no priming)",
                    "", "", List.of(), false, new ColdPath.Lambda(RuntimeInterfaceEmulator
                    .taskDirectory(functionJar, List.of(), tasks), RuntimeInterfaceEmulator.PAYMENT_HANDLER,
                    event)));
            for (Variant v : variants) {
                if (v.aot()) {
                    cold.train(v);
                }
            }
            log("  round 0 (warm-up: page cache, stub, emulator; discarded)");
            for (Variant v : variants) {
                cold.run(v, 0);
            }
            List<Run> runs = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                StringBuilder line = new StringBuilder();
                for (int k = 0; k < variants.size(); k++) {
                    Variant v = variants.get((k + r) % variants.size()); // rotate the order every round
                    Run run = cold.run(v, r);
                    runs.add(run);
                    line.append(String.format(Locale.ROOT, " %s=%.0f+%.0f", v.name(), run.initMs(), run.invokeMs()));
                }
                log("  round %d (init+first invoke ms):%s", r, line);
            }
            lastTrainings = cold.trainings;
            log("  class-loading profile (untimed runs with -Xlog:class+load)");
            Map<String, Map<String, Integer>> profiles = new LinkedHashMap<>();
            for (Variant v : variants) {
                if (!v.aot() && !v.name().equals(HELLO)) {
                    profiles.put(v.name(), cold.classLoadProfile(v));
                }
            }
            lastProfiles = profiles;
            return runs;
        }
    }

    // ---- warm overhead -------------------------------------------------------------------------------------

    private static WarmOverhead.Result warm(String endpoint, int warmup, int iterations) throws Exception {
        try (BenchDeployment deployment = new BenchDeployment(endpoint, "warm", "http://127.0.0.1:9");
             StubProcessor stub = new StubProcessor("127.0.0.1", 0, Set.of(deployment.apiKey))) {
            deployment.put("processor/endpoint", stub.url(), ParameterType.STRING);
            return new WarmOverhead(deployment, stub).run(warmup, iterations);
        }
    }

    private static void writeCsv(Path file, String header, List<String> rows) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(header);
        lines.addAll(rows);
        Files.write(file, lines);
    }
}
