package com.acme.payments.local;

import com.acme.payments.function.FunctionWiring;
import com.acme.payments.function.PaymentHandler;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The Docker-free local runtime: the stub processor, then one API server per region in front of the real
 * handler. Used by {@code make local} (scripts/local.sh) and by the local-loop IT.
 *
 * <pre>
 * LocalRuntime --env-file us-east-1=FILE --env-file us-east-2=FILE
 *              [--port us-east-1=3000] [--port us-east-2=3001] [--processor-port 8089]
 * </pre>
 * Each env file is the deployed function's {@code Environment.Variables} (JSON) for that region. The stub
 * processor's API keys (one per region) come from the environment variable {@code PROCESSOR_API_KEYS}, never from arguments.
 */
public final class LocalRuntime {
    private LocalRuntime() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Path> envFiles = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>(Map.of("us-east-1", 3000, "us-east-2", 3001));
        int processorPort = 8089;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String[] kv = args[i + 1].split("=", 2);
            switch (args[i]) {
                case "--env-file" -> envFiles.put(kv[0], Path.of(kv[1]));
                case "--port" -> ports.put(kv[0], Integer.parseInt(kv[1]));
                case "--processor-port" -> processorPort = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String apiKeys = System.getenv("PROCESSOR_API_KEYS");
        if (apiKeys == null || apiKeys.isBlank()) {
            throw new IllegalStateException("PROCESSOR_API_KEYS must be set (scripts/local.sh reads them from SSM)");
        }
        StubProcessor processor = new StubProcessor("127.0.0.1", processorPort,
                new java.util.HashSet<>(java.util.Arrays.asList(apiKeys.split(","))));
        Map<String, PaymentHandler> proxyHandlers = new ConcurrentHashMap<>();
        Map<String, LocalApiServer> servers = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : envFiles.entrySet()) {
            Map<String, String> env = functionEnv(e.getKey(), e.getValue());
            LocalApiServer server = new LocalApiServer("127.0.0.1", ports.getOrDefault(e.getKey(), 0), env,
                    proxyHandlers::get);
            proxyHandlers.put(e.getKey(), server.handler());
            servers.put(e.getKey(), server);
        }
        LocalReplicator replicator = null;
        if (envFiles.size() == 2) {
            String table = functionEnv("us-east-1", envFiles.values().iterator().next()).get(FunctionWiring.TABLE_NAME);
            var regions = envFiles.keySet().toArray(new String[0]);
            replicator = new LocalReplicator(regions[0], regions[1], table);
            System.out.println("global table " + table + ": replicated locally between " + regions[0] + " and "
                    + regions[1] + " (the emulator does not model replicas)");
        }
        LocalReplicator replication = replicator;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (replication != null) {
                replication.close();
            }
            servers.values().forEach(LocalApiServer::close);
            processor.close();
            stop.countDown();
        }));
        System.out.println("stub processor: " + processor.url());
        servers.forEach((region, server) -> System.out.println("payment API " + region + ": http://127.0.0.1:"
                + server.port()));
        System.out.println("LOCAL READY");
        System.out.flush();
        stop.await();
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
