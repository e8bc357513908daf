package com.acme.payments.local;

import com.acme.payments.function.FunctionWiring;
import com.acme.payments.function.PaymentHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Serves one region's payment API on loopback in front of the real handler, like {@code sam local start-api}.
 * Also answers the emulator's Lambda proxy on {@code POST /_lambda} (event JSON in, response JSON out) by handing
 * the invoke to the region's Lambda execution environment (RIE + the Java runtime interface client), so that
 * {@code aws lambda invoke} against the emulator runs the deployed jar the way Lambda does.
 */
public final class LocalApiServer implements AutoCloseable {
    static final String LAMBDA_PROXY_PATH = "/_lambda";
    private final HttpServer server;
    private final PaymentHandler handler;
    private final HttpEventFactory events = new HttpEventFactory();
    private final Function<String, RuntimeInterfaceEmulator> lambdaRuntimes;

    /**
     * @param functionEnv   the function's environment (as configured on the deployed function)
     * @param lambdaRuntimes the Lambda execution environment per region for Lambda proxy calls (the region comes
     *                       from the function ARN); null when there is none
     */
    public LocalApiServer(String host, int port, Map<String, String> functionEnv,
                          Function<String, RuntimeInterfaceEmulator> lambdaRuntimes) throws IOException {
        this.handler = new PaymentHandler(FunctionWiring.fromEnvironment(functionEnv));
        this.lambdaRuntimes = lambdaRuntimes;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
        server.start();
    }

    public PaymentHandler handler() {
        return handler;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals(LAMBDA_PROXY_PATH) && exchange.getRequestMethod().equals("POST")) {
                proxyInvoke(exchange, body);
                return;
            }
            APIGatewayV2HTTPEvent event = events.toEvent(exchange.getRequestMethod(), path,
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body,
                    exchange.getRemoteAddress().getAddress().getHostAddress());
            APIGatewayV2HTTPResponse response = handler.handleRequest(event, new LocalContext(
                    event.getRequestContext().getRequestId()));
            if (response.getHeaders() != null) {
                response.getHeaders().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            }
            byte[] out = response.getBody() == null ? new byte[0] : response.getBody().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(response.getStatusCode(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    /**
     * The emulator's Lambda proxy: the invoke goes to that region's execution environment, i.e. the shaded jar under
     * the Runtime Interface Emulator and the Java runtime interface client (see {@link RuntimeInterfaceEmulator}),
     * so the runtime's own event deserialization is exercised, not this server's.
     */
    private void proxyInvoke(HttpExchange exchange, byte[] body) throws IOException {
        String arn = exchange.getRequestHeaders().getFirst("X-Amzn-Lambda-Function-Arn");
        String requestId = exchange.getRequestHeaders().getFirst("X-Amzn-Lambda-Request-Id");
        String region = arn != null && arn.split(":").length > 3 ? arn.split(":")[3] : null;
        RuntimeInterfaceEmulator target = region == null ? null : lambdaRuntimes.apply(region);
        byte[] out;
        int status;
        if (target == null) {
            status = 502;
            out = ("{\"errorMessage\":\"no local Lambda runtime for region " + region + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
        } else {
            RuntimeInterfaceEmulator.Invocation result = target.invoke(body, requestId, Duration.ofSeconds(60));
            status = result.status();
            out = result.body();
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
