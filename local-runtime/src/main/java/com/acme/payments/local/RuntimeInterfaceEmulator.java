package com.acme.payments.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One Lambda execution environment on this machine, without Docker: the AWS Lambda Runtime Interface Emulator
 * ({@code aws-lambda-rie}, built by scripts/bootstrap.sh) runs {@code local-runtime/lambda/bootstrap}, which starts
 * the Java runtime interface client ({@code com.amazonaws:aws-lambda-java-runtime-interface-client}, the runtime of
 * AWS's Java base images). The client loads the handler from the task directory (the deployment package unzipped,
 * as Lambda does into {@code /var/task}) and deserializes each event with its own JSON library. This is what
 * {@code sam local invoke} runs inside its container.
 *
 * <p>Like Lambda, the emulator starts the runtime lazily, on the first invoke: that invoke is a cold start. It
 * serves one invoke at a time (a second concurrent one is refused), so {@link #invoke} serializes callers.
 */
public final class RuntimeInterfaceEmulator implements AutoCloseable {
    /** The path of the emulator's invoke endpoint (the Lambda Invoke API for the one function it hosts). */
    public static final String INVOKE_PATH = "/2015-03-31/functions/function/invocations";
    /** The Java runtime's handler string for our function. */
    public static final String PAYMENT_HANDLER = "com.acme.payments.function.PaymentHandler::handleRequest";
    /** The JVM flags of Lambda's java25 runtime without SnapStart: C1 only, serial collector. */
    public static final List<String> LAMBDA_JVM_FLAGS = List.of("-XX:+UseSerialGC", "-XX:+TieredCompilation",
            "-XX:TieredStopAtLevel=1");

    private final Process process;
    private final int port;
    private final ReentrantLock oneInvokeAtATime = new ReentrantLock(true);

    /**
     * Where the pieces are: the emulator binary, the bootstrap script, the runtime client's jars and the JDK.
     *
     * @param rie        {@code .tools/bin/aws-lambda-rie}
     * @param bootstrap  {@code local-runtime/lambda/bootstrap}
     * @param runtimeLib {@code local-runtime/target/lambda-runtime/lib} (the client and its dependencies)
     * @param java       the {@code java} executable the runtime runs on
     */
    public record Layout(Path rie, Path bootstrap, Path runtimeLib, Path java) {
        /** The layout of this repository, checked, with what to run when a piece is missing. */
        public static Layout of(Path repositoryRoot) {
            Path root = repositoryRoot.toAbsolutePath().normalize();
            Layout layout = new Layout(root.resolve(".tools/bin/aws-lambda-rie"),
                    root.resolve("local-runtime/lambda/bootstrap"), root.resolve("local-runtime/target/lambda-runtime/lib"),
                    Path.of(System.getProperty("java.home"), "bin", "java"));
            require(Files.isExecutable(layout.rie()), layout.rie() + " is missing: run scripts/bootstrap.sh");
            require(Files.isExecutable(layout.bootstrap()), layout.bootstrap() + " is missing or not executable");
            require(hasClientJar(layout.runtimeLib()), layout.runtimeLib()
                    + " has no runtime interface client: build local-runtime (./mvnw -pl local-runtime -am package)");
            return layout;
        }

        private static boolean hasClientJar(Path dir) {
            try (var files = Files.list(dir)) {
                return files.anyMatch(f -> f.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client"));
            } catch (IOException e) {
                return false;
            }
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalStateException(message);
            }
        }
    }

    /** The emulator's answer: HTTP status and body (the function's response JSON, or the runtime's error JSON). */
    public record Invocation(int status, byte[] body) {
    }

    private RuntimeInterfaceEmulator(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Unzips a deployment package the way Lambda does (into a directory the runtime loads classes from), plus
     * extra jars into its {@code lib/} (where the runtime client also looks, as for a SAM-built zip). Reused while
     * the package is unchanged: the directory name carries the jar's size and modification time.
     */
    public static Path taskDirectory(Path deploymentJar, List<Path> libJars, Path parent) throws IOException {
        String name = deploymentJar.getFileName().toString().replaceAll("\\.jar$", "") + "-" + Files.size(deploymentJar)
                + "-" + Files.getLastModifiedTime(deploymentJar).toMillis();
        for (Path lib : libJars) {
            name += "-" + lib.getFileName().toString().replaceAll("\\.jar$", "").hashCode();
        }
        Path task = parent.resolve(name);
        if (Files.isDirectory(task)) {
            return task;
        }
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, name + ".tmp");
        try (ZipFile zip = new ZipFile(deploymentJar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                Path target = tmp.resolve(entry.getName()).normalize();
                if (!target.startsWith(tmp)) {
                    throw new IOException("entry outside the task directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        if (!libJars.isEmpty()) {
            Path lib = Files.createDirectories(tmp.resolve("lib"));
            for (Path jar : libJars) {
                Files.copy(jar, lib.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try {
            Files.move(tmp, task, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException raced) {
            if (!Files.isDirectory(task)) {
                throw raced;
            }
            deleteTree(tmp); // another process extracted the same package first
        }
        return task;
    }

    /**
     * Starts the emulator; the runtime itself starts on the first invoke.
     *
     * @param env        the function's environment (what Lambda would set: configured variables, region,
     *                   credentials, {@code AWS_LAMBDA_FUNCTION_*}); nothing else of this process is inherited
     * @param port       the invoke endpoint's port on 127.0.0.1, 0 for a free one
     * @param jvmFlags   the runtime JVM's flags ({@link #LAMBDA_JVM_FLAGS} unless measuring something else)
     * @param output     where the emulator's and the function's stdout/stderr go; {@link ProcessBuilder.Redirect#PIPE}
     *                   to read them from {@link #output()}
     */
    public static RuntimeInterfaceEmulator start(Layout layout, Path taskDirectory, String handler,
                                                 Map<String, String> env, int port, List<String> jvmFlags,
                                                 ProcessBuilder.Redirect output) throws IOException {
        return start(layout, taskDirectory, handler, env, port, jvmFlags, output, List.of());
    }

    /** As above, with a launcher in front of the emulator (the benchmark pins it to a CPU with {@code taskset}). */
    public static RuntimeInterfaceEmulator start(Layout layout, Path taskDirectory, String handler,
                                                 Map<String, String> env, int port, List<String> jvmFlags,
                                                 ProcessBuilder.Redirect output, List<String> launcher)
            throws IOException {
        int invokePort = port == 0 ? freePort() : port;
        int runtimeApiPort = freePort();
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(layout.rie().toString(),
                "--runtime-interface-emulator-address", "127.0.0.1:" + invokePort,
                "--runtime-api-address", "127.0.0.1:" + runtimeApiPort,
                layout.bootstrap().toString(), handler));
        ProcessBuilder pb = new ProcessBuilder(command).directory(taskDirectory.toFile()).redirectErrorStream(true)
                .redirectOutput(output);
        Map<String, String> e = pb.environment();
        e.clear();
        e.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        e.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        e.put("AWS_LAMBDA_FUNCTION_TIMEOUT", "25"); // template.yaml's Timeout
        e.putAll(env);
        e.put("LOCAL_LAMBDA_JAVA", layout.java().toString());
        e.put("LOCAL_LAMBDA_RUNTIME_LIB", layout.runtimeLib().toString());
        e.put("LOCAL_LAMBDA_JVM_FLAGS", String.join(" ", jvmFlags));
        return new RuntimeInterfaceEmulator(pb.start(), invokePort);
    }

    /**
     * The environment Lambda gives the function: its configured variables (which include {@code AWS_REGION} here),
     * plus what the service sets itself. Credentials and the endpoint come from this process (the emulator's test
     * keys), as Lambda hands the execution role's credentials to the runtime.
     */
    public static Map<String, String> lambdaEnvironment(Map<String, String> functionVariables, String functionName) {
        Map<String, String> env = new java.util.LinkedHashMap<>(functionVariables);
        for (String inherited : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_ENDPOINT_URL")) {
            String value = System.getenv(inherited);
            if (value != null && !env.containsKey(inherited)) {
                env.put(inherited, value);
            }
        }
        if (env.containsKey("AWS_REGION")) {
            env.putIfAbsent("AWS_DEFAULT_REGION", env.get("AWS_REGION"));
        }
        env.put("AWS_LAMBDA_FUNCTION_NAME", functionName);
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java25");
        env.put("TZ", ":UTC");
        return env;
    }

    /** Waits until the invoke endpoint accepts connections (the emulator is up; the runtime is not started yet). */
    public RuntimeInterfaceEmulator awaitListening(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("aws-lambda-rie exited with " + process.exitValue()
                        + " before listening (see its output)");
            }
            try (Socket ignored = new Socket()) {
                ignored.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return this;
            } catch (IOException notYet) {
                Thread.sleep(2);
            }
        }
        throw new IllegalStateException("aws-lambda-rie not listening on 127.0.0.1:" + port + " after " + timeout);
    }

    /**
     * One invoke through the emulator, as the Lambda service would send it.
     *
     * @param requestId becomes the invoke's request id (the handler's {@code Context.getAwsRequestId()}); may be null
     */
    public Invocation invoke(byte[] event, String requestId, Duration timeout) throws IOException {
        oneInvokeAtATime.lock();
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + INVOKE_PATH).toURL()
                    .openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setConnectTimeout(5_000);
            c.setReadTimeout((int) timeout.toMillis());
            c.setRequestProperty("Content-Type", "application/json");
            if (requestId != null && !requestId.isBlank()) {
                c.setRequestProperty("X-Amzn-RequestId", requestId);
            }
            c.setFixedLengthStreamingMode(event.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(event);
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            byte[] body = in == null ? new byte[0] : in.readAllBytes();
            return new Invocation(status, body);
        } finally {
            oneInvokeAtATime.unlock();
        }
    }

    public int port() {
        return port;
    }

    /** The emulator's (and the function's) output, when started with {@link ProcessBuilder.Redirect#PIPE}. */
    public InputStream output() {
        return process.getInputStream();
    }

    public long pid() {
        return process.pid();
    }

    /** The runtime's JVM (the bootstrap execs java), once the first invoke has started it. */
    public Optional<ProcessHandle> runtimeProcess() {
        return process.toHandle().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the emulator and the runtime it started (the runtime first, so nothing outlives the emulator). */
    @Override
    public void close() {
        List<ProcessHandle> tree = new ArrayList<>(process.toHandle().descendants().toList());
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle p : tree) {
                p.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            tree.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: a leftover temporary directory is harmless
        }
    }
}
