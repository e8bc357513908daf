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

/**
 * Serves one region's payment API on loopback in front of the real handler, like {@code sam local start-api},
 * with the HTTP API's JWT authorizer in front of it ({@link LocalAuthorizer}: a request it refuses gets API
 * Gateway's 401 and never reaches the function). The emulator's Lambda proxy is served by the runtime's control port
 * ({@link LocalControl}), not here, so invokes keep working while this region's API is down.
 *
 * <p>It can stop and resume listening on the same port ({@link #stopListening()}, {@link #startListening()}): a
 * region outage in the local runtime, where clients get "connection refused" as from a region that is down.
 */
public final class LocalApiServer implements AutoCloseable {
    private final PaymentHandler handler;
    private final HttpEventFactory events = new HttpEventFactory();
    private final LocalAuthorizer authorizer;
    private final String host;
    private final int port;
    private HttpServer server; // guarded by this

    /**
     * @param functionEnv the function's environment (as configured on the deployed function)
     * @param authorizer  what API Gateway's authorizer does for the HTTP routes
     */
    public LocalApiServer(String host, int port, Map<String, String> functionEnv, LocalAuthorizer authorizer)
            throws IOException {
        this(host, port, new PaymentHandler(FunctionWiring.fromEnvironment(functionEnv)), authorizer);
    }

    /** In front of an existing handler (tests). */
    public LocalApiServer(String host, int port, PaymentHandler handler, LocalAuthorizer authorizer) throws IOException {
        this.handler = handler;
        this.authorizer = authorizer;
        this.host = host;
        this.server = listen(host, port);
        this.port = server.getAddress().getPort();
    }

    public PaymentHandler handler() {
        return handler;
    }

    public int port() {
        return port;
    }

    public synchronized boolean listening() {
        return server != null;
    }

    /** Closes the port and every open exchange: clients are refused from now on. */
    public synchronized void stopListening() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Listens again on the same port. */
    public synchronized void startListening() throws IOException {
        if (server == null) {
            server = listen(host, port);
        }
    }

    private HttpServer listen(String bindHost, int bindPort) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(bindHost, bindPort), 256);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", this::serve);
        s.start();
        return s;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getRawPath();
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

    @Override
    public void close() {
        stopListening();
    }
}
