package com.acme.payments.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code make invoke}: the Docker-free {@code sam local invoke}. Unzips the shaded jar into a task directory, starts
 * the Runtime Interface Emulator with the Java runtime interface client on it (a cold start, with the deployed
 * function's environment) and posts one event file to the emulator's invoke endpoint, as {@code sam local invoke}
 * does inside its container. The function's log lines go to stderr, the response to stdout.
 *
 * <pre>LocalInvoke --env-file FILE --region REGION --function-name NAME EVENT_FILE [PAYMENT_ID]</pre>
 * The env file is the deployed function's {@code Environment.Variables} (JSON). The fixed id
 * {@code pay_0192f7e0-0000-7000-8000-000000000001} in the sample events is replaced by PAYMENT_ID.
 * {@code RIE_PORT} (environment) fixes the emulator's port; by default a free one is used.
 */
public final class LocalInvoke {
    static final String SAMPLE_ID = "pay_0192f7e0-0000-7000-8000-000000000001";

    private LocalInvoke() {
    }

    public static void main(String[] args) throws Exception {
        Path envFile = null;
        String region = "us-east-1";
        String functionName = "payments-dev-api";
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--env-file" -> envFile = Path.of(args[++i]);
                case "--region" -> region = args[++i];
                case "--function-name" -> functionName = args[++i];
                default -> positional.add(args[i]);
            }
        }
        if (envFile == null || positional.isEmpty()) {
            System.err.println("usage: LocalInvoke --env-file FILE [--region R] [--function-name N] EVENT_FILE [PAYMENT_ID]");
            System.exit(2);
        }
        String text = Files.readString(Path.of(positional.get(0)));
        if (positional.size() > 1 && !positional.get(1).isBlank()) {
            text = text.replace(SAMPLE_ID, positional.get(1));
        }
        Path root = Path.of("").toAbsolutePath();
        var layout = RuntimeInterfaceEmulator.Layout.of(root);
        Path task = RuntimeInterfaceEmulator.taskDirectory(root.resolve("payment-function/target/payment-function.jar"),
                List.of(), root.resolve("local-runtime/target/lambda-task"));
        Map<String, String> env = RuntimeInterfaceEmulator.lambdaEnvironment(
                LocalRuntime.functionEnv(region, envFile), functionName);
        int port = Integer.parseInt(System.getenv().getOrDefault("RIE_PORT", "0"));
        String requestId = UUID.randomUUID().toString();
        System.err.printf("Invoking %s (%s) under aws-lambda-rie + the Java runtime interface client, request id %s%n",
                RuntimeInterfaceEmulator.PAYMENT_HANDLER, region, requestId);
        RuntimeInterfaceEmulator.Invocation result;
        try (var rie = RuntimeInterfaceEmulator.start(layout, task, RuntimeInterfaceEmulator.PAYMENT_HANDLER, env, port,
                RuntimeInterfaceEmulator.LAMBDA_JVM_FLAGS, ProcessBuilder.Redirect.PIPE)) {
            // Like sam local invoke: the emulator's and the function's log lines on stderr, the response on stdout.
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    rie.output().transferTo(System.err);
                } catch (java.io.IOException closed) {
                    // the emulator was stopped
                }
            });
            rie.awaitListening(Duration.ofSeconds(10));
            result = rie.invoke(text.getBytes(StandardCharsets.UTF_8), requestId, Duration.ofSeconds(60));
        }
        String body = new String(result.body(), StandardCharsets.UTF_8);
        try {
            JsonNode json = new ObjectMapper().readTree(body);
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        } catch (Exception notJson) {
            System.out.println(body);
        }
        if (result.status() != 200) {
            System.err.println("the emulator answered HTTP " + result.status());
            System.exit(1);
        }
    }
}
