package com.acme.payments.local;

import com.acme.payments.testsupport.LocalAws;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `make local` end to end: scripts/local.sh brings up its own emulator, deploys both regions with the deploy
 * script, starts the stub processor and serves the API; this test talks plain HTTP to it, invokes the deployed
 * function through the emulator's Lambda API, runs the region-outage drill ({@link OutageDrill}) last, then stops
 * everything and checks nothing is left running. Every request carries a token of the loop's local issuer,
 * validated with the deployed stack's JwtIssuer and JwtAudience. Uses its own ports so it never disturbs the
 * emulator the other ITs share.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalLoopIT {
    /** Its own ports (LOCAL_LOOP_IT_PORTS="api,secondary,processor,emulator,issuer,control" to run beside another copy). */
    private static final int[] PORTS = java.util.Arrays.stream(System.getenv().getOrDefault("LOCAL_LOOP_IT_PORTS",
            "3190,3191,8190,4590,3192,3193").split(",")).mapToInt(p -> Integer.parseInt(p.trim())).toArray();
    private static final int API = PORTS[0];
    private static final int API_SECONDARY = PORTS[1];
    private static final int PROCESSOR = PORTS[2];
    private static final int EMULATOR = PORTS[3];
    private static final int ISSUER = PORTS.length > 4 ? PORTS[4] : API + 2;
    private static final int CONTROL = PORTS.length > 5 ? PORTS[5] : API + 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Path root;
    private static String token;

    @BeforeAll
    static void up() throws Exception {
        root = LocalAws.repositoryRoot();
        Process p = script("local.sh").redirectOutput(root.resolve(".local/local-loop-it.log").toFile()).start();
        assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("local loop came up in time").isTrue();
        assertThat(p.exitValue()).as("scripts/local.sh failed; see .local/local-loop-it.log").isZero();
        // What `make token MERCHANT=merchant_loop` asks for.
        HttpResponse<String> minted = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ISSUER + "/token?merchant=merchant_loop")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(minted.statusCode()).as(minted.body()).isEqualTo(200);
        token = minted.body().strip();
    }

    /** Ctrl-C's equivalent: everything the loop started must be gone afterwards. */
    @AfterAll
    static void downLeavesNothingRunning() throws Exception {
        Process p = script("local.sh").command(root.resolve("scripts/local.sh").toString(), "stop").start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        for (int port : List.of(API, API_SECONDARY, PROCESSOR, EMULATOR, ISSUER, CONTROL)) {
            assertThat(listening(port)).as("port " + port + " still open after stop").isFalse();
        }
        assertThat(root.resolve(".local/loop-" + API + "/runtime.pid")).doesNotExist();
        String runtimeLib = root.resolve("local-runtime/target/lambda-runtime/lib").toString();
        assertThat(ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(ph -> ph.info().commandLine().orElse(""))
                .filter(cmd -> cmd.contains("aws-lambda-rie") && cmd.contains(root.toString()) || cmd.contains(runtimeLib))
                .toList()).as("Lambda runtime emulators and runtime JVMs still running after stop").isEmpty();
    }

    private static ProcessBuilder script(String name) throws IOException {
        Files.createDirectories(root.resolve(".local"));
        ProcessBuilder pb = new ProcessBuilder(root.resolve("scripts/" + name).toString()).directory(root.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("PORT", Integer.toString(API));
        env.put("SECONDARY_PORT", Integer.toString(API_SECONDARY));
        env.put("PROCESSOR_PORT", Integer.toString(PROCESSOR));
        env.put("EMULATOR_PORT", Integer.toString(EMULATOR));
        env.put("ISSUER_PORT", Integer.toString(ISSUER));
        env.put("CONTROL_PORT", Integer.toString(CONTROL));
        env.remove("LOCAL_DEV_IDENTITY");
        env.put("LOCAL_EXIT_WHEN_READY", "1");
        env.remove("AWS_ENDPOINT_URL");
        return pb;
    }

    private static HttpResponse<String> send(String method, int port, String path, String key, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token);
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void wholePath_writesInTheActiveRegion_readsInBoth_andTheStandbyRefusesWrites() throws Exception {
        String key = "loop-" + UUID.randomUUID();
        String body = "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\"}";
        var created = send("POST", API, "/payments", key, body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asText();
        assertThat(created.headers().firstValue("Location")).contains("/payments/" + id);

        var replay = send("POST", API, "/payments", key, body);
        assertThat(replay.statusCode()).isEqualTo(201);
        assertThat(replay.body()).isEqualTo(created.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).contains("true");

        var capture = send("POST", API, "/payments/" + id + "/capture", key + "-c", null);
        assertThat(capture.statusCode()).as(capture.body()).isEqualTo(200);
        var refund = send("POST", API, "/payments/" + id + "/refunds", key + "-r", "{\"amount\":1000}");
        assertThat(refund.statusCode()).as(refund.body()).isEqualTo(201);

        JsonNode got = JSON.readTree(send("GET", API, "/payments/" + id, null, null).body());
        assertThat(got.get("status").asText()).isEqualTo("PARTIALLY_REFUNDED");
        assertThat(got.get("capturedAmount").asLong()).isEqualTo(2500);
        assertThat(got.get("refundedAmount").asLong()).isEqualTo(1000);
        JsonNode list = JSON.readTree(send("GET", API, "/payments?limit=10", null, null).body());
        assertThat(list.get("items").findValuesAsText("id")).contains(id);

        // us-east-2: the same payment after (local) replication, then a new payment served by that region.
        JsonNode fromSecondary = null;
        for (int i = 0; i < 40 && fromSecondary == null; i++) {
            var r = send("GET", API_SECONDARY, "/payments/" + id, null, null);
            if (r.statusCode() == 200 && JSON.readTree(r.body()).get("status").asText().equals("PARTIALLY_REFUNDED")) {
                fromSecondary = JSON.readTree(r.body());
            } else {
                Thread.sleep(250);
            }
        }
        assertThat(fromSecondary).as("replicated to us-east-2").isNotNull();
        assertThat(fromSecondary.get("region").asText()).isEqualTo("us-east-1");

        // The write fence: us-east-2 is standby, so a write there changes nothing and names the active region.
        String standbyKey = "loop2-" + UUID.randomUUID();
        var refused = send("POST", API_SECONDARY, "/payments", standbyKey, body);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.get("type").asText()).endsWith("/region-not-active");
        assertThat(problem.get("activeRegion").asText()).isEqualTo("us-east-1");
        assertThat(problem.get("activeEndpoint").asText()).as("from the handoff parameters")
                .isEqualTo("http://127.0.0.1:" + API);
        var sameKeyInActive = send("POST", API, "/payments", standbyKey, body);
        assertThat(sameKeyInActive.statusCode()).as("the refused key was never claimed").isEqualTo(201);
        assertThat(sameKeyInActive.headers().firstValue("Idempotent-Replayed")).isEmpty();

        for (int port : List.of(API, API_SECONDARY)) {
            JsonNode health = JSON.readTree(send("GET", port, "/health", null, null).body());
            assertThat(health.get("activeRegion").asText()).isEqualTo("us-east-1");
            assertThat(health.get("writable").asBoolean()).isEqualTo(port == API);
        }
    }

    @Test
    @Order(2)
    void withoutAToken_orWithTheDevHeader_theLoopAnswers401() throws Exception {
        for (Map<String, String> headers : List.of(Map.<String, String>of(), Map.of("X-Dev-Merchant", "merchant_loop"))) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + API + "/payments"))
                    .timeout(Duration.ofSeconds(20));
            headers.forEach(b::header);
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            assertThat(r.headers().firstValue("www-authenticate")).isPresent();
        }
    }

    /**
     * The emulator's Lambda proxy hands the invoke to the region's execution environment: the shaded jar under
     * aws-lambda-rie + the Java runtime interface client. Proved by the emulator's own log (it exec'd our bootstrap,
     * ran an on-demand init and this invoke), by the handler's log line carrying the invoke's request id (the
     * runtime client built the Context from it), and by the runtime JVM running the client's main class.
     */
    @Test
    @Order(2)
    void awsLambdaInvoke_runsTheJarUnderTheRuntimeInterfaceEmulatorAndClient() throws Exception {
        Path out = Files.createTempFile("invoke", ".json");
        ProcessBuilder pb = new ProcessBuilder(root.resolve(".tools/bin/aws").toString(), "--region", "us-east-1",
                "lambda", "invoke", "--function-name", "payments-dev-api", "--payload",
                "fileb://" + root.resolve("events/health.json"), out.toString()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:" + EMULATOR);
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        Process p = pb.start();
        String cliOutput = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(cliOutput).isZero();
        JsonNode response = JSON.readTree(Files.readString(out));
        assertThat(response.toString()).doesNotContain("Mock response");
        assertThat(response.get("statusCode").asInt()).isEqualTo(200);
        JsonNode health = JSON.readTree(response.get("body").asText());
        assertThat(health.get("region").asText()).isEqualTo("us-east-1");
        assertThat(health.get("table").get("reachable").asBoolean()).isTrue();
        // The runtime client's JSON, as API Gateway reads it.
        assertThat(response.has("isBase64Encoded")).as(response.toString()).isTrue();

        String log = Files.readString(root.resolve(".local/loop-" + API + "/lambda-us-east-1.log"));
        assertThat(log).contains("exec '" + root.resolve("local-runtime/lambda/bootstrap") + "'")
                .contains("handler=" + RuntimeInterfaceEmulator.PAYMENT_HANDLER)
                .contains("INIT START(type: on-demand, phase: init)");
        var start = java.util.regex.Pattern.compile("START RequestId: (\\S+)").matcher(log);
        assertThat(start.find()).as("the emulator started an invoke:\n" + log).isTrue();
        String requestId = start.group(1);
        assertThat(log).as("the handler ran inside that invoke, with the runtime client's Context")
                .contains("\"requestId\":\"" + requestId + "\"")
                .contains("\"route\":\"GET /health\"")
                .contains("END RequestId: " + requestId);
        String runtimeLib = root.resolve("local-runtime/target/lambda-runtime/lib").toString();
        assertThat(ProcessHandle.allProcesses().map(ph -> ph.info().commandLine().orElse(""))
                .filter(cmd -> cmd.contains(runtimeLib))
                .filter(cmd -> cmd.contains("com.amazonaws.services.lambda.runtime.api.client.AWSLambda "
                        + RuntimeInterfaceEmulator.PAYMENT_HANDLER)).count())
                .as("the runtime JVM runs the Java runtime interface client's main class").isGreaterThanOrEqualTo(1);
    }

    /**
     * {@code make invoke EVENT=events/create.json}: the Docker-free {@code sam local invoke} runs the shaded jar in a
     * fresh process under aws-lambda-rie + the Java runtime interface client, with the deployed function's
     * environment, and answers the sample event's create.
     */
    @Test
    @Order(2)
    void makeInvoke_runsTheSampleEventUnderTheRuntimeInterfaceEmulatorAndClient() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("make", "-s", "invoke", "EVENT=events/create.json")
                .directory(root.toFile());
        pb.environment().put("EMULATOR_PORT", Integer.toString(EMULATOR));
        pb.environment().remove("AWS_ENDPOINT_URL");
        Path stderr = Files.createTempFile("make-invoke", ".err");
        pb.redirectError(stderr.toFile());
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(stderr);
        assertThat(p.exitValue()).as(stdout + log).isZero();
        JsonNode response = JSON.readTree(stdout.substring(stdout.indexOf('{')));
        assertThat(response.get("statusCode").asInt()).as(stdout).isEqualTo(201);
        assertThat(JSON.readTree(response.get("body").asText()).get("status").asText()).isEqualTo("AUTHORIZED");
        assertThat(log).as("the RIE exec'd the runtime client's bootstrap and ran an on-demand init")
                .contains("exec '" + root.resolve("local-runtime/lambda/bootstrap") + "'")
                .contains("handler=" + RuntimeInterfaceEmulator.PAYMENT_HANDLER)
                .contains("INIT START(type: on-demand, phase: init)")
                .contains("START RequestId: ");
    }

    /**
     * Issue 12's drill, with its figures printed: an outage of us-east-1 under client traffic, an emergency
     * failover, us-east-1's return and a planned failback that is SIGKILLed once and run again. Nothing may be lost
     * or charged twice, and no request sent to both regions at once may be executed in both.
     */
    @Test
    @Order(3)
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void regionOutageDrill_losesNothing_chargesNothingTwice_andNoRequestSentToBothRegionsRunsTwice() throws Exception {
        OutageDrill drill = new OutageDrill(root, API, API_SECONDARY, CONTROL, PROCESSOR, EMULATOR, ISSUER, "dev");
        List<String> report = drill.run();
        System.out.println("==== region-outage drill (local) ====");
        report.forEach(line -> System.out.println("  " + line));
        assertThat(drill.lost).as("lost payments").isEmpty();
        assertThat(drill.completed).as("every attempted payment completed").isEqualTo(drill.attempted);
        assertThat(drill.chargedTwice).as("payments charged twice").isZero();
        assertThat(drill.unexpected).as("unexpected answers").isEmpty();
        assertThat(drill.fenceRefusals.get()).as("the fence refused writes during the drill").isPositive();
        assertThat(drill.dualTotal).as("requests sent to both regions at once").isGreaterThan(20);
        assertThat(drill.dualExecutedTwice).as("requests executed in both regions").isZero();
        assertThat(drill.dualNotChargedOnce).as("dual requests not charged exactly once").isZero();
    }

    private static boolean listening(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (ConnectException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
