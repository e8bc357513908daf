package com.acme.payments.testsupport;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.ssm.SsmClient;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The AWS endpoint every integration test talks to, resolved once per JVM, in this order:
 * <ol>
 *   <li>{@code AWS_ENDPOINT_URL}, as a system property or environment variable ({@code make test} sets it);</li>
 *   <li>if a Docker daemon answers: a Testcontainers {@code LocalStackContainer} pinned to
 *       {@value #LOCALSTACK_IMAGE}, started once per JVM and removed by Testcontainers at exit;</li>
 *   <li>otherwise the project's emulator via {@code scripts/emulator.sh start} on {@code EMULATOR_PORT}
 *       (default 4566), stopped at JVM exit only if this JVM started it.</li>
 * </ol>
 * Clients use static {@code test}/{@code test} credentials, so a developer's real AWS credentials are never
 * picked up by a test.
 */
public final class LocalAws {

    /** Last LocalStack release that runs without an auth token (see docs on the emulators). */
    public static final String LOCALSTACK_IMAGE = "localstack/localstack:4.14.0";
    public static final String MERCHANT_INDEX = "merchant-created-index";
    /** Sparse index of payments with a pending processor call (the background reconciler's work list). */
    public static final String PENDING_INDEX = "pending-calls-index";
    public static final String TTL_ATTRIBUTE = "expiresAt";

    private static final int DEFAULT_EMULATOR_PORT = 4566;
    /** Bootstrap may run on a fresh machine before the emulator starts; it takes minutes, not seconds. */
    private static final long EMULATOR_START_TIMEOUT_MINUTES = 10;
    private static final AwsCredentialsProvider TEST_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    /** A hung emulator should fail one test, not hang the build until the CI job times out. */
    private static final ClientOverrideConfiguration TIMEOUTS = ClientOverrideConfiguration.builder()
            .apiCallTimeout(Duration.ofSeconds(30))
            .build();

    private static String endpoint; // guarded by LocalAws.class

    private LocalAws() {
    }

    /** The endpoint URL (no trailing slash); starts an emulator or container on first use if needed. */
    public static synchronized String endpoint() {
        if (endpoint == null) {
            endpoint = stripTrailingSlash(resolve());
        }
        return endpoint;
    }

    /** A DynamoDB client for {@code region} against {@link #endpoint()}. Callers close it. */
    public static DynamoDbClient dynamoDb(Region region) {
        return DynamoDbClient.builder()
                .region(region)
                .endpointOverride(URI.create(endpoint()))
                .credentialsProvider(TEST_CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(TIMEOUTS)
                .build();
    }

    /** An SSM client for {@code region} against {@link #endpoint()}. Callers close it. */
    public static SsmClient ssm(Region region) {
        return SsmClient.builder()
                .region(region)
                .endpointOverride(URI.create(endpoint()))
                .credentialsProvider(TEST_CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(TIMEOUTS)
                .build();
    }

    /**
     * Ten lowercase hex characters, valid inside table names, SSM paths and stack names, so tests sharing
     * one emulator (or re-running against a dirty one) never collide.
     */
    public static String uniqueSuffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /**
     * Creates {@code name} with the payments table schema of docs/architecture.md (pk/sk, GSI
     * {@value #MERCHANT_INDEX} on gsi1pk/gsi1sk projecting ALL, sparse GSI {@value #PENDING_INDEX} on gsi2pk/gsi2sk, TTL on {@value #TTL_ATTRIBUTE}) and
     * returns once it is active.
     *
     * @return {@code name}, for fluent use in field initialisers
     */
    public static String createPaymentsTable(DynamoDbClient dynamoDb, String name) {
        dynamoDb.createTable(b -> b.tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(stringAttribute("pk"), stringAttribute("sk"),
                        stringAttribute("gsi1pk"), stringAttribute("gsi1sk"),
                        stringAttribute("gsi2pk"), stringAttribute("gsi2sk"))
                .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                        .indexName(MERCHANT_INDEX)
                        .keySchema(key("gsi1pk", KeyType.HASH), key("gsi1sk", KeyType.RANGE))
                        .projection(p -> p.projectionType(ProjectionType.ALL))
                        .build(),
                        GlobalSecondaryIndex.builder()
                        .indexName(PENDING_INDEX)
                        .keySchema(key("gsi2pk", KeyType.HASH), key("gsi2sk", KeyType.RANGE))
                        .projection(p -> p.projectionType(ProjectionType.KEYS_ONLY))
                        .build()));
        dynamoDb.waiter().waitUntilTableExists(b -> b.tableName(name));
        dynamoDb.updateTimeToLive(b -> b.tableName(name)
                .timeToLiveSpecification(t -> t.enabled(true).attributeName(TTL_ATTRIBUTE)));
        return name;
    }

    /**
     * Writes the active-region record (docs/architecture.md) as the deploy's active-region step and
     * scripts/failover.sh do: without it no region takes writes.
     */
    public static void recordActiveRegion(DynamoDbClient dynamoDb, String table, String activeRegion, long epoch) {
        dynamoDb.putItem(b -> b.tableName(table).item(java.util.Map.of(
                "pk", AttributeValue.fromS("FENCE#active-region"), "sk", AttributeValue.fromS("FENCE"),
                "activeRegion", AttributeValue.fromS(activeRegion == null ? "none" : activeRegion),
                "epoch", AttributeValue.fromN(Long.toString(epoch)),
                "version", AttributeValue.fromN(Long.toString(epoch)),
                "changedAt", AttributeValue.fromS(java.time.Instant.now().toString()))));
    }

    /** Deletes a test table; a table that is already gone is fine, because cleanup must not mask a test failure. */
    public static void deleteTableQuietly(DynamoDbClient dynamoDb, String name) {
        try {
            dynamoDb.deleteTable(b -> b.tableName(name));
        } catch (ResourceNotFoundException alreadyGone) {
            // nothing to clean up
        }
    }

    /** The directory holding {@code mvnw}, walking up from the working directory; {@code null} if none. */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    // --- resolution ------------------------------------------------------------------------------

    private static String resolve() {
        String configured = setting("AWS_ENDPOINT_URL");
        if (configured != null) {
            log("using AWS_ENDPOINT_URL=" + configured);
            return configured;
        }
        if (Docker.available()) {
            String url = Docker.startLocalStack();
            log("using Testcontainers " + LOCALSTACK_IMAGE + " at " + url);
            return url;
        }
        return startEmulator();
    }

    private static String startEmulator() {
        String portSetting = setting("EMULATOR_PORT");
        int port = portSetting == null ? DEFAULT_EMULATOR_PORT : Integer.parseInt(portSetting);
        String url = "http://127.0.0.1:" + port;
        String howTo = "No AWS endpoint for the integration tests. Start the emulator and point the tests at it:\n"
                + "    scripts/emulator.sh start\n"
                + "    export AWS_ENDPOINT_URL=http://127.0.0.1:" + DEFAULT_EMULATOR_PORT + "\n"
                + "(with EMULATOR_PORT=" + port + " use that port instead), or run `make test`, which does both.";

        // Someone else's emulator (another terminal, `make emulator-start`) is used as is and never stopped.
        if (healthy(url)) {
            log("using the emulator already running at " + url);
            return url;
        }
        Path root = repositoryRoot();
        Path script = root == null ? null : root.resolve("scripts/emulator.sh");
        if (script == null || !Files.isExecutable(script)) {
            throw new IllegalStateException("scripts/emulator.sh not found above " + Path.of("").toAbsolutePath()
                    + ".\n" + howTo);
        }
        ScriptResult start = runEmulatorScript(script, port, "start");
        if (start.exitCode() != 0) {
            throw new IllegalStateException("`scripts/emulator.sh start` failed (exit " + start.exitCode()
                    + "):\n" + start.output() + "\n" + howTo);
        }
        // The script is idempotent; if another JVM won the race it reports "already healthy" and owns the stop.
        if (!start.output().contains("already healthy")) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> runEmulatorScript(script, port, "stop"),
                    "local-aws-emulator-stop"));
        }
        log("started the emulator at " + url + " (stopped when this JVM exits)");
        return url;
    }

    private record ScriptResult(int exitCode, String output) {
    }

    private static ScriptResult runEmulatorScript(Path script, int port, String command) {
        try {
            Path output = Files.createTempFile("emulator-" + command, ".log");
            try {
                ProcessBuilder builder = new ProcessBuilder(script.toString(), command)
                        .directory(script.getParent().getParent().toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
                builder.environment().put("EMULATOR_PORT", Integer.toString(port));
                Process process = builder.start();
                if (!process.waitFor(EMULATOR_START_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    return new ScriptResult(-1, "timed out after " + EMULATOR_START_TIMEOUT_MINUTES + " min\n"
                            + Files.readString(output, StandardCharsets.UTF_8));
                }
                return new ScriptResult(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            return new ScriptResult(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ScriptResult(-1, "interrupted");
        }
    }

    private static boolean healthy(String url) {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url + "/_ministack/health").toURL()
                    .openConnection();
            connection.setConnectTimeout(1_000);
            connection.setReadTimeout(2_000);
            try {
                return connection.getResponseCode() == 200;
            } finally {
                connection.disconnect();
            }
        } catch (IOException notListening) {
            return false;
        }
    }

    /**
     * Testcontainers is touched only inside this class, so a module whose test classpath lacks it (or a
     * machine without Docker) still resolves an endpoint instead of failing with NoClassDefFoundError.
     */
    private static final class Docker {
        private static final List<String> SOCKETS = List.of(
                "/var/run/docker.sock",
                "${HOME}/.docker/run/docker.sock",
                "${HOME}/.docker/desktop/docker.sock",
                "${HOME}/.colima/default/docker.sock",
                "${HOME}/.rd/docker.sock",
                "${XDG_RUNTIME_DIR}/docker.sock",
                "${XDG_RUNTIME_DIR}/podman/podman.sock");

        static boolean available() {
            // Without any sign of a daemon, skip Testcontainers' strategy probing: it is slow and logs errors.
            if (!configured()) {
                return false;
            }
            try {
                return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError noDockerOrNoTestcontainers) {
                return false;
            }
        }

        private static boolean configured() {
            if (System.getenv("DOCKER_HOST") != null) {
                return true;
            }
            String home = System.getProperty("user.home", "");
            if (Files.isRegularFile(Path.of(home, ".testcontainers.properties"))) {
                return true;
            }
            String runtimeDir = System.getenv().getOrDefault("XDG_RUNTIME_DIR", "");
            for (String socket : SOCKETS) {
                if (socket.contains("${XDG_RUNTIME_DIR}") && runtimeDir.isEmpty()) {
                    continue;
                }
                String path = socket.replace("${HOME}", home).replace("${XDG_RUNTIME_DIR}", runtimeDir);
                if (Files.exists(Path.of(path))) {
                    return true;
                }
            }
            return false;
        }

        static String startLocalStack() {
            var container = new org.testcontainers.localstack.LocalStackContainer(
                    org.testcontainers.utility.DockerImageName.parse(LOCALSTACK_IMAGE))
                    .withServices("dynamodb", "ssm");
            container.start();
            return container.getEndpoint().toString();
        }
    }

    // --- small helpers ---------------------------------------------------------------------------

    /** System property first (an IDE run configuration can set one per test), then the environment. */
    private static String setting(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            value = System.getenv(name);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static void log(String message) {
        System.err.println("[LocalAws] " + message);
    }

    private static AttributeDefinition stringAttribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
