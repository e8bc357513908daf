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
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Serves one region's payment API on loopback in front of the real handler, like {@code sam local start-api}.
 * It can stop and resume listening on the same port ({@link #stopListening()}, {@link #startListening()}): a
 * region outage in the local runtime, where clients get "connection refused" as from a region that is down.
 */
public final class LocalApiServer implements AutoCloseable {
    private final PaymentHandler handler;
    private final HttpEventFactory events = new HttpEventFactory();
    private final String host;
    private final int port;
    private HttpServer server; // guarded by this

    /** @param functionEnv the function's environment (as configured on the deployed function) */
    public LocalApiServer(String host, int port, Map<String, String> functionEnv) throws IOException {
        this.handler = new PaymentHandler(FunctionWiring.fromEnvironment(functionEnv));
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

    @Override
    public void close() {
        stopListening();
    }
}
