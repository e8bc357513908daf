package com.acme.payments.histories;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP server on a free local port standing where the processor (or a proxy in front of it) would be. Each
 * route answers with whatever the test put there: the processor's own JSON, or an HTML page from a load balancer.
 * It records every request line, so a test can show which calls were made (and that none went to a malformed path).
 */
final class CannedHttpProcessor implements AutoCloseable {
    static final String JSON = "application/json";

    /** One canned HTTP answer. */
    record Canned(int status, String contentType, String body) {
        static Canned json(int status, String body) {
            return new Canned(status, JSON, body);
        }

        static Canned html(int status, String body) {
            return new Canned(status, "text/html; charset=utf-8", body);
        }

        static Canned approved(String reference) {
            return json(200, "{\"status\":\"approved\",\"reference\":\"" + reference + "\"}");
        }
    }

    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    volatile Canned authorize = Canned.approved("auth_canned");
    volatile Canned followUp = Canned.approved("op_canned");
    volatile Canned refund = Canned.approved("refund_canned");
    volatile Canned lookup = Canned.json(404, "{\"status\":\"not_found\"}");

    CannedHttpProcessor() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::answer);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Request lines received, {@code "POST /v1/authorizations"} style, in order. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            requests.add(method + " " + path);
            Canned canned;
            if (method.equals("GET") && path.startsWith("/v1/operations/")) {
                canned = lookup;
            } else if (path.equals("/v1/authorizations")) {
                canned = authorize;
            } else if (path.endsWith("/refunds")) {
                canned = refund;
            } else {
                canned = followUp;
            }
            byte[] body = canned.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", canned.contentType());
            exchange.sendResponseHeaders(canned.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
