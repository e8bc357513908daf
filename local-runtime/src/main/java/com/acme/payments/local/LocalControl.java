package com.acme.payments.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local runtime's own port (loopback only, never part of the API):
 * <pre>
 * POST /_lambda                           the emulator's Lambda proxy: event JSON in, response JSON out, routed
 *                                         to the region in the X-Amzn-Lambda-Function-Arn header
 * GET  /_local/regions                    each region's API URL, AWS endpoint (its cuttable link) and state
 * POST /_local/regions/{region}/outage    the region "goes down": its API stops listening, its link to the
 *                                         emulator is cut (the function, the replicator and any script using
 *                                         the link lose AWS), and its Lambda invokes fail
 * POST /_local/regions/{region}/restore   all of that comes back; with {@code ?only=aws} only the link (AWS and
 *                                         replication return, the API stays down: how an operator brings a
 *                                         region back, checking the new active-region record has arrived first)
 * </pre>
 * It lives on a port of its own so that invokes for one region keep working while the other one is down.
 */
final class LocalControl implements AutoCloseable {
    private static final Pattern REGION_ACTION = Pattern.compile("/_local/regions/([a-z0-9-]+)/(outage|restore)");
    private final HttpServer server;
    private final Map<String, RegionNode> regions;
    private final ObjectMapper json = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * One region of the local system: its API server, its link to the emulator, and its Lambda execution environment
     * (the shaded jar under RIE + the Java runtime interface client; null: invokes run the API server's handler
     * in-process).
     */
    record RegionNode(String region, LocalApiServer api, TcpFaultProxy awsLink, RuntimeInterfaceEmulator lambda) {
        RegionNode(String region, LocalApiServer api, TcpFaultProxy awsLink) {
            this(region, api, awsLink, null);
        }

        /** The region's AWS (its Lambda service included) is cut off. */
        boolean awsDown() {
            return awsLink.isCut();
        }
    }

    LocalControl(String host, int port, Map<String, RegionNode> regions) throws IOException {
        this.regions = new LinkedHashMap<>(regions);
        this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/_lambda") && method.equals("POST")) {
                proxyInvoke(exchange, body);
            } else if (path.equals("/_local/regions") && method.equals("GET")) {
                send(exchange, 200, status());
            } else {
                Matcher m = REGION_ACTION.matcher(path);
                RegionNode node = m.matches() && method.equals("POST") ? regions.get(m.group(1)) : null;
                if (node == null) {
                    send(exchange, 404, json.createObjectNode().put("error", "no such control path or region"));
                    return;
                }
                if (m.group(2).equals("outage")) {
                    node.api().stopListening();
                    node.awsLink().cut();
                } else {
                    node.awsLink().restore();
                    if (!"only=aws".equals(exchange.getRequestURI().getRawQuery())) {
                        node.api().startListening();
                    }
                }
                System.out.println("region " + node.region() + ": API " + (node.api().listening() ? "up" : "DOWN")
                        + ", AWS " + (node.awsDown() ? "DOWN" : "up") + " (local outage switch)");
                send(exchange, 200, status());
            }
        }
    }

    private ObjectNode status() {
        ObjectNode n = json.createObjectNode();
        regions.forEach((name, node) -> n.putObject(name)
                .put("api", "http://127.0.0.1:" + node.api().port())
                .put("aws", node.awsLink().url())
                .put("apiDown", !node.api().listening())
                .put("awsDown", node.awsDown()));
        return n;
    }

    private void proxyInvoke(HttpExchange exchange, byte[] body) throws IOException {
        String arn = exchange.getRequestHeaders().getFirst("X-Amzn-Lambda-Function-Arn");
        String requestId = exchange.getRequestHeaders().getFirst("X-Amzn-Lambda-Request-Id");
        String region = arn != null && arn.split(":").length > 3 ? arn.split(":")[3] : null;
        RegionNode node = region == null ? null : regions.get(region);
        if (node == null || node.awsDown()) {
            send(exchange, 502, json.createObjectNode().put("errorMessage", node == null
                    ? "no local handler for region " + region : "region " + region + " is down (local outage)"));
            return;
        }
        int status = 200;
        byte[] out;
        if (node.lambda() != null) {
            // The runtime's own event deserialization is exercised, not this server's.
            RuntimeInterfaceEmulator.Invocation result = node.lambda().invoke(body, requestId, Duration.ofSeconds(60));
            status = result.status();
            out = result.body();
        } else {
            APIGatewayV2HTTPEvent event = json.readValue(body, APIGatewayV2HTTPEvent.class);
            out = json.writeValueAsBytes(node.api().handler().handleRequest(event, new LocalContext(requestId)));
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        }
    }

    private void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] out = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
