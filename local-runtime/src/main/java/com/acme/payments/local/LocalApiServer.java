package com.acme.payments.local;

import com.acme.payments.function.FunctionWiring;
import com.acme.payments.function.PaymentHandler;
import com.acme.payments.local.auth.LocalAuthorizer;
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
 * Serves one region's payment API on loopback in front of the real handler, like {@code sam local start-api},
 * with the HTTP API's JWT authorizer in front of it ({@link LocalAuthorizer}: a request it refuses gets API
 * Gateway's 401 and never reaches the function). Also answers the emulator's Lambda proxy on {@code POST /_lambda} (event JSON in, response JSON out) by handing
 * the invoke to the region's Lambda execution environment (RIE + the Java runtime interface client), so that
 * {@code aws lambda invoke} against the emulator runs the deployed jar the way Lambda does.
 */
public final class LocalApiServer implements AutoCloseable {
    static final String LAMBDA_PROXY_PATH = "/_lambda";
    private final HttpServer server;
    private final PaymentHandler handler;
    private final HttpEventFactory events = new HttpEventFactory();
    private final Function<String, RuntimeInterfaceEmulator> lambdaRuntimes;
    private final LocalAuthorizer authorizer;

    /**
     * @param functionEnv   the function's environment (as configured on the deployed function)
     * @param lambdaRuntimes the Lambda execution environment per region for Lambda proxy calls (the region comes
     *                      from the function ARN; null: none)
     * @param authorizer    what API Gateway's authorizer does for the HTTP routes (the Lambda proxy path is a
     *                      direct invoke, which no authorizer sees)
     */
    public LocalApiServer(String host, int port, Map<String, String> functionEnv,
                          Function<String, RuntimeInterfaceEmulator> lambdaRuntimes, LocalAuthorizer authorizer)
            throws IOException {
        this(host, port, new PaymentHandler(FunctionWiring.fromEnvironment(functionEnv)), lambdaRuntimes, authorizer);
    }

    /** In front of an existing handler (tests). */
    public LocalApiServer(String host, int port, PaymentHandler handler,
                          Function<String, RuntimeInterfaceEmulator> lambdaRuntimes, LocalAuthorizer authorizer)
            throws IOException {
        this.handler = handler;
        this.lambdaRuntimes = lambdaRuntimes;
        this.authorizer = authorizer;
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
            LocalAuthorizer.Result auth = authorizer.authorize(exchange.getRequestMethod(), path,
                    HttpEventFactory.lowerCased(exchange.getRequestHeaders()));
            if (auth instanceof LocalAuthorizer.Result.Unauthorized refused) {
                // What API Gateway's access log records as authorizerError; never the token itself.
                System.out.println("authorizer: 401 " + exchange.getRequestMethod() + " " + path + ": "
                        + refused.description());
                byte[] out = refused.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("www-authenticate", refused.wwwAuthenticate());
                exchange.sendResponseHeaders(401, out.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
                return;
            }
            APIGatewayV2HTTPEvent event = events.toEvent(exchange.getRequestMethod(), path,
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body,
                    exchange.getRemoteAddress().getAddress().getHostAddress(),
                    ((LocalAuthorizer.Result.Pass) auth).claims());
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
