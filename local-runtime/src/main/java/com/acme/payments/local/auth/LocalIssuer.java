package com.acme.payments.local.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;

/**
 * A local OpenID Connect issuer for development and tests, standing in for the merchants' identity provider: it
 * serves the discovery document ({@code /.well-known/openid-configuration}) and the key set
 * ({@code /.well-known/jwks.json}) the way a real provider does, and signs RS256 tokens with a key pair made at
 * start (kept in memory only, so a restart invalidates every token it issued).
 *
 * <p>Its {@code issuer} is the stack's {@code JwtIssuer} parameter, not its own loopback URL: the local API server
 * validates {@code iss} against exactly what the deployed JWT authorizer would, and only the place the documents
 * are fetched from differs (a real provider is found by the issuer URL itself).
 *
 * <p>{@code GET /token?merchant_id=<id>[&ttl=<seconds>]} mints a token for that merchant (what {@code make token}
 * calls). It exists because this is a development issuer bound to loopback; a real provider authenticates the
 * merchant first.
 */
public final class LocalIssuer implements AutoCloseable {
    static final String DISCOVERY_PATH = "/.well-known/openid-configuration";
    static final String JWKS_PATH = "/.well-known/jwks.json";
    static final String TOKEN_PATH = "/token";
    /** Longest lifetime {@code /token} hands out; tokens are for trying the API, not for keeping. */
    static final Duration MAX_TTL = Duration.ofHours(12);

    private final String issuer;
    private final String audience;
    private final String merchantClaim;
    private final RSAKey signingKey;
    private final Clock clock;
    private final HttpServer server;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * Starts the issuer on {@code host:port} (port 0 picks a free one).
     *
     * @param issuer        the {@code iss} of every token, the stack's JwtIssuer
     * @param audience      the default {@code aud}, the stack's JwtAudience
     * @param merchantClaim the claim carrying the merchant id, the stack's MerchantClaim
     */
    public static LocalIssuer start(String host, int port, String issuer, String audience, String merchantClaim)
            throws IOException {
        return new LocalIssuer(host, port, issuer, audience, merchantClaim, Clock.systemUTC());
    }

    LocalIssuer(String host, int port, String issuer, String audience, String merchantClaim, Clock clock)
            throws IOException {
        this.issuer = issuer;
        this.audience = audience;
        this.merchantClaim = merchantClaim;
        this.clock = clock;
        try {
            this.signingKey = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                    .keyID("local-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the issuer's RSA key", e);
        }
        this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
        server.start();
    }

    /** Where the discovery document is served: what the local API server is pointed at. */
    public URI baseUri() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    public String issuer() {
        return issuer;
    }

    public String audience() {
        return audience;
    }

    public String merchantClaim() {
        return merchantClaim;
    }

    /** A token for {@code merchantId}: the configured issuer and audience, valid from now for {@code ttl}. */
    public String tokenFor(String merchantId, Duration ttl) {
        Instant now = clock.instant();
        return sign(new JWTClaimsSet.Builder().issuer(issuer).audience(audience)
                .subject("merchant:" + merchantId).claim(merchantClaim, merchantId)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString()).build());
    }

    /** Signs any claims with the issuer's key (RS256, its {@code kid}); tests use it to make invalid tokens. */
    public String sign(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signingKey.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(signingKey));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /** The key id every token of this issuer carries. */
    public String keyId() {
        return signingKey.getKeyID();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET")) {
                reply(exchange, 405, "text/plain", "GET only\n");
            } else if (path.equals(DISCOVERY_PATH)) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("issuer", issuer);
                doc.put("jwks_uri", baseUri() + JWKS_PATH);
                doc.put("token_endpoint", baseUri() + TOKEN_PATH);
                doc.put("response_types_supported", List.of("token"));
                doc.put("subject_types_supported", List.of("public"));
                doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
                reply(exchange, 200, "application/json", json.writeValueAsString(doc));
            } else if (path.equals(JWKS_PATH)) {
                // toPublicJWKSet: the private half never leaves this object.
                reply(exchange, 200, "application/json", new JWKSet(signingKey).toPublicJWKSet().toString());
            } else if (path.equals(TOKEN_PATH)) {
                mint(exchange);
            } else {
                reply(exchange, 404, "text/plain", "not found\n");
            }
        }
    }

    private void mint(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        String merchant = query.get(merchantClaim);
        if (merchant == null || merchant.isBlank()) {
            merchant = query.get("merchant");
        }
        if (merchant == null || !merchant.matches("[A-Za-z0-9_:.-]{1,64}")) {
            reply(exchange, 400, "text/plain", "give ?" + merchantClaim + "=<merchant id> (1-64 of A-Z a-z 0-9 _ : . -)\n");
            return;
        }
        Duration ttl = Duration.ofHours(1);
        if (query.containsKey("ttl")) {
            try {
                ttl = Duration.ofSeconds(Long.parseLong(query.get("ttl")));
            } catch (NumberFormatException e) {
                reply(exchange, 400, "text/plain", "ttl must be a whole number of seconds\n");
                return;
            }
            if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
                reply(exchange, 400, "text/plain", "ttl must be between 1 and " + MAX_TTL.toSeconds() + " seconds\n");
                return;
            }
        }
        reply(exchange, 200, "text/plain", tokenFor(merchant, ttl) + "\n");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null) {
            return params;
        }
        for (String pair : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return params;
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
