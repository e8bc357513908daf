package com.acme.payments.local;

import com.acme.payments.function.FunctionWiring;
import com.acme.payments.local.auth.JwtAuthorizer;
import com.acme.payments.local.auth.LocalAuthorizer;
import com.acme.payments.local.auth.LocalIssuer;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The Docker-free local runtime: the stub processor, then one API server per region in front of the real
 * handler. Used by {@code make local} (scripts/local.sh) and by the local-loop IT.
 *
 * <pre>
 * LocalRuntime --env-file us-east-1=FILE --env-file us-east-2=FILE
 *              [--port us-east-1=3000] [--port us-east-2=3001] [--processor-port 8089] [--control-port 3003]
 *              --jwt-issuer URL --jwt-audience AUD [--merchant-claim merchant_id]
 *              [--issuer-port 3002 | --issuer-discovery URL]
 *              [--dev-identity]
 *              [--function-jar payment-function.jar --function-name payments-dev-api --lambda-log-dir DIR]
 * </pre>
 * With {@code --function-jar}, each region also gets a Lambda execution environment: the jar under the Runtime
 * Interface Emulator and the Java runtime interface client ({@link RuntimeInterfaceEmulator}; its output in
 * {@code DIR/lambda-<region>.log}). The emulator's Lambda proxy ({@code POST /_lambda}) goes there, so
 * {@code aws lambda invoke} runs the real runtime. The API servers keep calling the handler in this JVM (many
 * requests at once, as many Lambda environments would serve them). {@code LAMBDA_RIE_PORTS} (environment,
 * {@code us-east-1=3310,us-east-2=3312}) fixes the emulators' ports; by default free ones are used.
 * Each env file is the deployed function's {@code Environment.Variables} (JSON) for that region. The stub
 * processor's API keys (one per region) come from the environment variable {@code PROCESSOR_API_KEYS}, never from arguments.
 *
 * <p>Authentication, as the HTTP API's JWT authorizer does it: the issuer and audience are the stack's JwtIssuer and
 * JwtAudience (scripts/local.sh reads them from the deployed stack). With {@code --issuer-port} a {@link LocalIssuer}
 * serves that issuer's discovery document and keys on loopback and mints tokens ({@code make token}); with
 * {@code --issuer-discovery} the documents come from elsewhere. {@code --dev-identity} is the explicit opt-in to trust
 * {@code X-Dev-Merchant} and unsigned tokens instead (no validation at all).
 *
 * <p>Regions: each region reaches the emulator ({@code AWS_ENDPOINT_URL}) through a link of its own, a
 * {@link TcpFaultProxy}: that region's function, its reconciler timer and its side of the replication use it, so
 * cutting it takes the region's AWS away without touching the other region, which shares the same emulator. The
 * control port ({@link LocalControl}) serves the emulator's Lambda proxy and the outage switches.
 */
public final class LocalRuntime {
    private LocalRuntime() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Path> envFiles = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>(Map.of("us-east-1", 3000, "us-east-2", 3001));
        int processorPort = 8089;
        int controlPort = 0;
        String jwtIssuer = null;
        String jwtAudience = null;
        String merchantClaim = "merchant_id";
        Integer issuerPort = null;
        String issuerDiscovery = null;
        boolean devIdentity = false;
        Path functionJar = null;
        String functionName = "payments-dev-api";
        Path lambdaLogs = Path.of(".local");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--dev-identity")) {
                devIdentity = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String value = args[++i];
            String[] kv = value.split("=", 2);
            switch (args[i - 1]) {
                case "--env-file" -> envFiles.put(kv[0], Path.of(kv[1]));
                case "--port" -> ports.put(kv[0], Integer.parseInt(kv[1]));
                case "--processor-port" -> processorPort = Integer.parseInt(value);
                case "--control-port" -> controlPort = Integer.parseInt(value);
                case "--jwt-issuer" -> jwtIssuer = value;
                case "--jwt-audience" -> jwtAudience = value;
                case "--merchant-claim" -> merchantClaim = value;
                case "--issuer-port" -> issuerPort = Integer.parseInt(value);
                case "--issuer-discovery" -> issuerDiscovery = value;
                case "--function-jar" -> functionJar = Path.of(value).toAbsolutePath();
                case "--function-name" -> functionName = value;
                case "--lambda-log-dir" -> lambdaLogs = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1]);
            }
        }
        LocalIssuer issuer = null;
        LocalAuthorizer authorizer;
        if (devIdentity) {
            authorizer = LocalAuthorizer.developmentIdentity(merchantClaim);
            System.out.println("authorizer: DEVELOPMENT IDENTITY (--dev-identity): X-Dev-Merchant and unsigned tokens are "
                    + "trusted as-is, nothing is validated");
        } else {
            if (jwtIssuer == null || jwtAudience == null) {
                throw new IllegalArgumentException("--jwt-issuer and --jwt-audience are required (the stack's JwtIssuer "
                        + "and JwtAudience); --dev-identity opts out of token validation instead");
            }
            if (issuerPort != null) {
                issuer = LocalIssuer.start("127.0.0.1", issuerPort, jwtIssuer, jwtAudience, merchantClaim);
                issuerDiscovery = issuer.baseUri().toString();
                System.out.println("local issuer: " + jwtIssuer + " served at " + issuerDiscovery
                        + " (discovery, JWKS; GET /token?" + merchantClaim + "=<id> mints a token)");
            }
            if (issuerDiscovery == null) {
                throw new IllegalArgumentException("--issuer-port (run the local issuer) or --issuer-discovery URL");
            }
            authorizer = LocalAuthorizer.jwt(JwtAuthorizer.fromDiscovery(jwtIssuer, List.of(jwtAudience),
                    URI.create(issuerDiscovery)));
            System.out.println("authorizer: JWT, issuer " + jwtIssuer + ", audience " + jwtAudience
                    + " (as the stack's HTTP API authorizer)");
        }
        String apiKeys = System.getenv("PROCESSOR_API_KEYS");
        if (apiKeys == null || apiKeys.isBlank()) {
            throw new IllegalStateException("PROCESSOR_API_KEYS must be set (scripts/local.sh reads them from SSM)");
        }
        StubProcessor processor = new StubProcessor("127.0.0.1", processorPort,
                new java.util.HashSet<>(java.util.Arrays.asList(apiKeys.split(","))));
        RuntimeInterfaceEmulator.Layout layout = null;
        Path task = null;
        Map<String, Integer> riePorts = Map.of();
        if (functionJar != null) {
            Path root = Path.of("").toAbsolutePath();
            layout = RuntimeInterfaceEmulator.Layout.of(root);
            task = RuntimeInterfaceEmulator.taskDirectory(functionJar, List.of(),
                    root.resolve("local-runtime/target/lambda-task"));
            riePorts = riePorts(System.getenv("LAMBDA_RIE_PORTS"));
        }
        URI emulator = URI.create(System.getenv().getOrDefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"));
        // template.yaml's ReconcilerFunction runs every minute in each region and works only where the region takes
        // writes (the write fence); here every LOCAL_RECONCILE_SECONDS (30), in each region.
        long reconcileEvery = Long.parseLong(System.getenv().getOrDefault("LOCAL_RECONCILE_SECONDS", "30"));
        Map<String, LocalControl.RegionNode> nodes = new LinkedHashMap<>();
        List<LocalReconcilerTimer> reconcilerTimers = new java.util.ArrayList<>();
        for (Map.Entry<String, Path> e : envFiles.entrySet()) {
            TcpFaultProxy link = new TcpFaultProxy(emulator.getHost(), emulator.getPort());
            Map<String, String> env = functionEnv(e.getKey(), e.getValue());
            env.put("AWS_ENDPOINT_URL_DYNAMODB", link.url());
            env.put("AWS_ENDPOINT_URL_SSM", link.url());
            LocalApiServer server = new LocalApiServer("127.0.0.1", ports.getOrDefault(e.getKey(), 0), env, authorizer);
            RuntimeInterfaceEmulator lambda = null;
            if (task != null) {
                // The deployed jar under aws-lambda-rie + the Java runtime interface client, for the emulator's
                // Lambda proxy; it reaches AWS through this region's link, so a cut region's invokes fail too.
                Path log = Files.createDirectories(lambdaLogs).resolve("lambda-" + e.getKey() + ".log");
                lambda = RuntimeInterfaceEmulator.start(layout, task, RuntimeInterfaceEmulator.PAYMENT_HANDLER,
                        RuntimeInterfaceEmulator.lambdaEnvironment(env, functionName),
                        riePorts.getOrDefault(e.getKey(), 0), RuntimeInterfaceEmulator.LAMBDA_JVM_FLAGS,
                        ProcessBuilder.Redirect.appendTo(log.toFile())).awaitListening(Duration.ofSeconds(20));
                System.out.println("Lambda " + functionName + " " + e.getKey() + ": aws-lambda-rie on 127.0.0.1:"
                        + lambda.port() + " + Java runtime interface client (log " + log + ")");
            }
            nodes.put(e.getKey(), new LocalControl.RegionNode(e.getKey(), server, link, lambda));
            reconcilerTimers.add(new LocalReconcilerTimer(env, reconcileEvery));
        }
        System.out.println("background reconciler: every " + reconcileEvery + " s in each region (only the active one"
                + " settles anything)");
        LocalReplicator replicator = null;
        if (nodes.size() == 2) {
            String table = functionEnv("us-east-1", envFiles.values().iterator().next()).get(FunctionWiring.TABLE_NAME);
            var regions = nodes.values().toArray(new LocalControl.RegionNode[0]);
            replicator = new LocalReplicator(regions[0].region(), URI.create(regions[0].awsLink().url()),
                    regions[1].region(), URI.create(regions[1].awsLink().url()), table);
            System.out.println("global table " + table + ": replicated locally between " + regions[0].region()
                    + " and " + regions[1].region() + " (the emulator does not model replicas)");
        }
        LocalControl control = new LocalControl("127.0.0.1", controlPort, nodes);
        LocalReplicator replication = replicator;
        LocalIssuer localIssuer = issuer;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (replication != null) {
                replication.close();
            }
            reconcilerTimers.forEach(LocalReconcilerTimer::close);
            control.close();
            nodes.values().forEach(n -> {
                n.api().close();
                if (n.lambda() != null) {
                    n.lambda().close();
                }
                try {
                    n.awsLink().close();
                } catch (IOException ignored) {
                    // shutting down
                }
            });
            if (localIssuer != null) {
                localIssuer.close();
            }
            processor.close();
            stop.countDown();
        }));
        System.out.println("stub processor: " + processor.url());
        nodes.forEach((region, node) -> System.out.println("payment API " + region + ": http://127.0.0.1:"
                + node.api().port() + " (AWS through " + node.awsLink().url() + ")"));
        System.out.println("control: http://127.0.0.1:" + control.port() + " (Lambda proxy, outage switches)");
        System.out.println("LOCAL READY");
        System.out.flush();
        stop.await();
    }

    private static Map<String, Integer> riePorts(String spec) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        if (spec != null && !spec.isBlank()) {
            for (String pair : spec.split(",")) {
                String[] kv = pair.trim().split("=", 2);
                ports.put(kv[0], Integer.parseInt(kv[1]));
            }
        }
        return ports;
    }

    static Map<String, String> functionEnv(String region, Path file) throws IOException {
        Map<String, String> env = new ObjectMapper().readValue(Files.readString(file),
                new TypeReference<LinkedHashMap<String, String>>() { });
        env.put("AWS_REGION", region);
        // Fail now, with the variable's name, rather than on the first request.
        for (String required : new String[] {FunctionWiring.TABLE_NAME, FunctionWiring.PARAMETER_PATH}) {
            if (!env.containsKey(required)) {
                throw new IllegalStateException(file + " lacks " + required);
            }
        }
        return env;
    }
}
