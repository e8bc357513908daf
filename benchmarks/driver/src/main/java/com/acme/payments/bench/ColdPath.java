package com.acme.payments.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.TreeMap;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Fresh JVMs, one cold start each, interleaved round by round (the variant order rotates every round), timed from the
 * parent: t0 is taken just before {@link ProcessBuilder#start()}, every marker line is timestamped when read.
 */
final class ColdPath {
    /** JVM flags of the Lambda java25 managed runtime without SnapStart (see docs/benchmarks.md). */
    static final List<String> LAMBDA_FLAGS = List.of("-XX:+UseSerialGC", "-XX:+TieredCompilation",
            "-XX:TieredStopAtLevel=1", "-XX:MaxRAM=1g");

    record Variant(String name, String description, String classpath, String mainClass, List<String> args,
                   boolean aot) {
    }

    record Run(String variant, int round, double initMs, double probeMs, double invokeMs, double exitMs,
               long classesInit, long classesEnd, long hwmKb, long rssKb) {
        double totalMs() {
            return initMs + invokeMs;
        }
    }

    private final String java;
    private final List<String> cpuPinning;
    private final Map<String, String> childEnv;
    private final Path logs;
    private final Path aotDir;
    private int sequence;
    /** AOT training runs: variant -> {cache bytes, training run wall ms including the cache assembly at exit}. */
    final Map<String, long[]> trainings = new LinkedHashMap<>();

    ColdPath(String java, String childCpus, Map<String, String> childEnv, Path outDir) throws IOException {
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
        runOnce(v, -1, List.of("-Xlog:class+load=info:file=" + log));
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
