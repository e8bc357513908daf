package com.acme.payments.bench;

import com.acme.payments.local.RuntimeInterfaceEmulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.TreeMap;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Fresh JVMs, one cold start each, interleaved round by round (the variant order rotates every round), timed from the
 * parent: t0 is taken just before {@link ProcessBuilder#start()}, every marker line is timestamped when read.
 */
final class ColdPath {
    /** JVM flags of the Lambda java25 managed runtime without SnapStart (see docs/benchmarks.md). */
    static final List<String> LAMBDA_FLAGS = List.of("-XX:+UseSerialGC", "-XX:+TieredCompilation",
            "-XX:TieredStopAtLevel=1", "-XX:MaxRAM=1g");

    record Variant(String name, String description, String classpath, String mainClass, List<String> args,
                   boolean aot, Lambda lambda) {
        Variant(String name, String description, String classpath, String mainClass, List<String> args, boolean aot) {
            this(name, description, classpath, mainClass, args, aot, null);
        }
    }

    /**
     * A variant run the way Lambda runs it: aws-lambda-rie + the Java runtime interface client + a task directory
     * (the deployment package unzipped) + a handler, invoked once with {@code event} through the emulator.
     */
    record Lambda(Path taskDirectory, String handler, String eventJson) {
    }

    /**
     * One cold start. For {@link Lambda} variants: {@code initMs} = process start → first response minus the
     * invoke's duration as the emulator reports it ({@code INVOKE RTDONE}: the runtime received the event → it
     * posted the response, so the client's deserialization is in the invoke); {@code runtimeReadyMs} = process start
     * → the emulator accepts the invoke; {@code lambdaInitMs} = the emulator's {@code INIT REPORT} (runtime started →
     * first {@code /next}: what Lambda reports as Init Duration). Class counts are not read in timed Lambda runs (-1).
     */
    record Run(String variant, int round, double initMs, double probeMs, double invokeMs, double exitMs,
               long classesInit, long classesEnd, long hwmKb, long rssKb, double runtimeReadyMs, double lambdaInitMs) {
        Run(String variant, int round, double initMs, double probeMs, double invokeMs, double exitMs,
            long classesInit, long classesEnd, long hwmKb, long rssKb) {
            this(variant, round, initMs, probeMs, invokeMs, exitMs, classesInit, classesEnd, hwmKb, rssKb, Double.NaN,
                    Double.NaN);
        }

        double totalMs() {
            return initMs + invokeMs;
        }
    }

    private static final Pattern INIT_REPORT =
            Pattern.compile("INIT REPORT\\(durationMs: ([0-9.]+)\\)");
    private static final Pattern INVOKE_DONE =
            Pattern.compile("INVOKE RTDONE\\(status: (\\w+).*duration: ([0-9.]+)ms\\)");

    private final String java;
    private final List<String> cpuPinning;
    private final Map<String, String> childEnv;
    private final Path logs;
    private final Path aotDir;
    private final RuntimeInterfaceEmulator.Layout lambdaLayout;
    private int sequence;
    /** AOT training runs: variant -> {cache bytes, training run wall ms including the cache assembly at exit}. */
    final Map<String, long[]> trainings = new LinkedHashMap<>();

    ColdPath(String java, String childCpus, Map<String, String> childEnv, Path outDir,
             RuntimeInterfaceEmulator.Layout lambdaLayout) throws IOException {
        this.lambdaLayout = lambdaLayout;
        this.java = java;
        this.cpuPinning = childCpus == null || childCpus.isBlank() ? List.of() : List.of("taskset", "-c", childCpus);
        this.childEnv = childEnv;
        this.logs = Files.createDirectories(outDir.resolve("cold-logs"));
        this.aotDir = Files.createDirectories(outDir.resolve("aot"));
    }

    Path aotCache(Variant v) {
        return aotDir.resolve(v.name() + ".aot");
    }

    List<String> command(Variant v, List<String> extraJvmFlags) {
        List<String> cmd = new ArrayList<>(cpuPinning);
        cmd.add(java);
        cmd.addAll(LAMBDA_FLAGS);
        cmd.addAll(extraJvmFlags);
        cmd.add("-cp");
        cmd.add(v.classpath());
        cmd.add(v.mainClass());
        cmd.addAll(v.args());
        return cmd;
    }

    /** The AOT training run (JEP 514 one-step: record during the run, assemble the cache at exit). */
    void train(Variant v) throws IOException, InterruptedException {
        Path cache = aotCache(v);
        Files.deleteIfExists(cache);
        long t0 = System.nanoTime();
        Run r = runOnce(v, 0, List.of("-XX:AOTCacheOutput=" + cache));
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        trainings.put(v.name(), new long[] {Files.size(cache), wallMs});
        Bench.log("  AOT training run for %s: first response after %.0f ms, cache written after %d ms: %s (%d bytes)",
                v.name(), r.totalMs(), wallMs, cache, Files.size(cache));
    }

    /**
     * An extra, untimed run with {@code -Xlog:class+load} (logging slows start-up, so it is never one of the measured
     * runs): classes loaded up to exit, per package group.
     */
    Map<String, Integer> classLoadProfile(Variant v) throws IOException, InterruptedException {
        Path log = logs.resolve("classload-" + v.name() + ".log");
        if (v.lambda() != null) {
            runLambda(v, -1, List.of("-Xlog:class+load=info:file=" + log));
        } else {
            runOnce(v, -1, List.of("-Xlog:class+load=info:file=" + log));
        }
        Map<String, Integer> groups = new TreeMap<>();
        for (String line : Files.readAllLines(log)) {
            int tag = line.indexOf("[class,load] ");
            if (tag < 0) {
                continue;
            }
            String rest = line.substring(tag + "[class,load] ".length());
            String name = rest.contains(" ") ? rest.substring(0, rest.indexOf(' ')) : rest;
            groups.merge(classGroup(name), 1, Integer::sum);
        }
        return groups;
    }

    static String classGroup(String className) {
        String name = className.contains("/") ? className.substring(0, className.indexOf('/')) : className; // hidden
        int lastDot = name.lastIndexOf('.');
        String pkg = lastDot < 0 ? "" : name.substring(0, lastDot);
        if (pkg.startsWith("java.") || pkg.startsWith("javax.") || pkg.startsWith("jdk.") || pkg.startsWith("sun.")
                || pkg.startsWith("com.sun.")) {
            String[] p = pkg.split("\\.");
            return "JDK " + String.join(".", Arrays.copyOf(p, Math.min(3, p.length)));
        }
        return PackageStats.group(name.replace('.', '/') + ".class");
    }

    Run run(Variant v, int round) throws IOException, InterruptedException {
        if (v.lambda() != null) {
            return runLambda(v, round, List.of());
        }
        List<String> extra = v.aot() ? List.of("-XX:AOTCache=" + aotCache(v), "-XX:AOTMode=on") : List.of();
        return runOnce(v, round, extra);
    }

    private Run runOnce(Variant v, int round, List<String> extraJvmFlags) throws IOException, InterruptedException {
        List<String> cmd = command(v, extraJvmFlags);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(childEnv);
        String id = "r" + (++sequence);
        pb.environment().put("BENCH_MERCHANT", "m_cold_" + id);
        pb.environment().put("BENCH_IDEMPOTENCY_KEY", "cold-" + Long.toHexString(System.nanoTime()) + "-" + id);
        Path stderr = logs.resolve(String.format("%03d-%s-round%d.stderr", sequence, v.name(), round));
        pb.redirectError(stderr.toFile());
        Map<String, Long> at = new LinkedHashMap<>();
        Map<String, String> value = new LinkedHashMap<>();
        Deque<String> tail = new ArrayDeque<>();

        long t0 = System.nanoTime();
        Process p = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                long now = System.nanoTime();
                if (line.startsWith("@@BENCH ")) {
                    String[] parts = line.substring(8).split(" ", 2);
                    at.putIfAbsent(parts[0], now);
                    value.putIfAbsent(parts[0], parts.length > 1 ? parts[1] : "");
                } else {
                    tail.addLast(line);
                    if (tail.size() > 40) {
                        tail.removeFirst();
                    }
                }
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(v.name() + " did not exit within 120 s");
        }
        long exited = System.nanoTime();
        if (p.exitValue() != 0 || !at.keySet().containsAll(List.of("INIT", "GO", "FIRST", "END"))) {
            throw new IllegalStateException(v.name() + " (round " + round + ") failed: exit " + p.exitValue()
                    + ", markers " + at.keySet() + "\ncommand: " + String.join(" ", cmd) + "\nstdout tail:\n"
                    + String.join("\n", tail) + "\nstderr (" + stderr + "):\n" + Files.readString(stderr));
        }
        Map<String, Long> end = keyValues(value.get("END"));
        return new Run(v.name(), round, ms(at.get("INIT") - t0), ms(at.get("GO") - at.get("INIT")),
                ms(at.get("FIRST") - at.get("GO")), ms(exited - t0), Long.parseLong(value.get("GO").trim()),
                end.get("classes"), end.get("hwmKb"), end.get("rssKb"));
    }

    /**
     * One cold start under aws-lambda-rie + the runtime interface client: t0 just before the emulator's process
     * starts; wait (2 ms polls) until it accepts connections; post the event; the first response ends the run.
     */
    private Run runLambda(Variant v, int round, List<String> extraJvmFlags) throws IOException, InterruptedException {
        String id = "r" + (++sequence);
        Path output = logs.resolve(String.format("%03d-%s-round%d.log", sequence, v.name(), round));
        List<String> flags = new ArrayList<>(LAMBDA_FLAGS);
        flags.addAll(extraJvmFlags);
        String requestId = "cold-" + Long.toHexString(System.nanoTime()) + "-" + id;
        String event = v.lambda().eventJson().replace("@MERCHANT@", "m_cold_" + id).replace("@KEY@", requestId);
        long t0 = System.nanoTime();
        try (var rie = RuntimeInterfaceEmulator.start(lambdaLayout, v.lambda().taskDirectory(),
                v.lambda().handler(), childEnv, 0, flags, ProcessBuilder.Redirect.to(output.toFile()), cpuPinning)) {
            rie.awaitListening(Duration.ofSeconds(30));
            long ready = System.nanoTime();
            var result = rie.invoke(event.getBytes(StandardCharsets.UTF_8), requestId, Duration.ofSeconds(120));
            long first = System.nanoTime();
            String body = new String(result.body(), StandardCharsets.UTF_8);
            if (result.status() != 200 || !body.contains("\"statusCode\":201")) {
                throw new IllegalStateException(v.name() + " (round " + round + ") answered " + result.status() + ": "
                        + body + "\nlog: " + output);
            }
            long hwm = -1;
            long rss = -1;
            var runtime = rie.runtimeProcess();
            if (runtime.isPresent()) {
                hwm = procStatus(runtime.get().pid(), "VmHWM");
                rss = procStatus(runtime.get().pid(), "VmRSS");
            }
            rie.close();
            long exited = System.nanoTime();
            String log = Files.readString(output);
            var init = INIT_REPORT.matcher(log);
            var done = INVOKE_DONE.matcher(log);
            if (!init.find() || !done.find() || !done.group(1).equals("success")) {
                throw new IllegalStateException(v.name() + ": no INIT REPORT / successful INVOKE RTDONE in " + output);
            }
            double invokeMs = Double.parseDouble(done.group(2));
            double totalMs = ms(first - t0);
            return new Run(v.name(), round, totalMs - invokeMs, 0, invokeMs, ms(exited - t0), -1, -1, hwm, rss,
                    ms(ready - t0), Double.parseDouble(init.group(1)));
        }
    }

    private static long procStatus(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static Map<String, Long> keyValues(String text) {
        Map<String, Long> map = new LinkedHashMap<>();
        for (String kv : text.trim().split("\\s+")) {
            String[] parts = kv.split("=", 2);
            map.put(parts[0], Long.parseLong(parts[1]));
        }
        return map;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
