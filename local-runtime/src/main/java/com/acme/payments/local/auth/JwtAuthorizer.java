package com.acme.payments.local.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Validates a bearer token the way the API Gateway HTTP API JWT authorizer does, so the issuer and audience the
 * stack configures ({@code JwtIssuer}, {@code JwtAudience}) are exercised locally:
 * <ol>
 *   <li>the token comes from the {@code Authorization} header, bare or prefixed with {@code Bearer};</li>
 *   <li>it must be signed with an RSA algorithm (RS256/384/512): unsigned ({@code alg: none}), HMAC and encrypted
 *       tokens are refused;</li>
 *   <li>its {@code kid} must name a key of the issuer's key set (found through the issuer's discovery document),
 *       and the signature must verify with it;</li>
 *   <li>{@code iss} must equal the configured issuer; {@code aud} (or, without one, {@code client_id}) must match a
 *       configured audience; {@code exp} must be in the future; {@code nbf} and {@code iat}, when present, in the
 *       past. The documented rules name no clock leeway, so none is given.</li>
 * </ol>
 * Like API Gateway, it does not look at other claims: a token without the merchant claim passes, and the function
 * (which reads only verified claims) answers 401 itself. The claims reach the function as strings, as the
 * authorizer passes them in {@code requestContext.authorizer.jwt.claims}.
 */
public final class JwtAuthorizer {
    static final Set<JWSAlgorithm> RSA_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String issuer;
    private final Set<String> audiences;
    private final JWKSource<SecurityContext> keys;
    private final Clock clock;

    /** The outcome for one request. */
    public sealed interface Decision {
        /** Valid: the claims as the function receives them. */
        record Allowed(Map<String, String> claims) implements Decision {
        }

        /** Invalid or missing: {@code description} says why (API Gateway's {@code error_description}). */
        record Denied(String description) implements Decision {
        }
    }

    public JwtAuthorizer(String issuer, Collection<String> audiences, JWKSource<SecurityContext> keys, Clock clock) {
        if (issuer == null || issuer.isBlank() || audiences == null || audiences.isEmpty()) {
            throw new IllegalArgumentException("an issuer and at least one audience are required");
        }
        this.issuer = issuer;
        this.audiences = Set.copyOf(audiences);
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * An authorizer for {@code issuer} whose documents are served at {@code discoveryBase} (the issuer URL itself
     * for a real provider; the local issuer's loopback URL in development). Reads the discovery document now, so a
     * wrong URL or an issuer mismatch fails at start, not on the first request.
     */
    public static JwtAuthorizer fromDiscovery(String issuer, Collection<String> audiences, URI discoveryBase)
            throws IOException {
        URI discovery = URI.create(discoveryBase.toString().replaceAll("/+$", "") + LocalIssuer.DISCOVERY_PATH);
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            response = http.send(HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading " + discovery, e);
        }
        if (response.statusCode() != 200) {
            throw new IOException(discovery + " answered " + response.statusCode());
        }
        JsonNode doc = JSON.readTree(response.body());
        String advertised = doc.path("issuer").asText("");
        if (!advertised.equals(issuer)) {
            // OpenID Connect Discovery 1.0, section 4.3: the document's issuer must be the one asked for.
            throw new IOException(discovery + " is the discovery document of '" + advertised + "', not of '" + issuer
                    + "' (the stack's JwtIssuer)");
        }
        String jwksUri = doc.path("jwks_uri").asText("");
        if (jwksUri.isEmpty()) {
            throw new IOException(discovery + " has no jwks_uri");
        }
        JWKSource<SecurityContext> keys = JWKSourceBuilder.create(URI.create(jwksUri).toURL()).retrying(false).build();
        return new JwtAuthorizer(issuer, audiences, keys, Clock.systemUTC());
    }

    /** Decides on the value of the {@code Authorization} header (null when there is none). */
    public Decision authorize(String authorizationHeader) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            return new Decision.Denied("no token in the Authorization header");
        }
        String token = authorizationHeader.strip();
        if (token.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = token.substring(7).strip();
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            return new Decision.Denied("the token is not a JWT");
        }
        if (jwt instanceof PlainJWT) {
            return new Decision.Denied("unsigned token (alg none) is not accepted");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            return new Decision.Denied("encrypted tokens are not accepted");
        }
        JWSAlgorithm algorithm = signed.getHeader().getAlgorithm();
        if (!RSA_ALGORITHMS.contains(algorithm)) {
            return new Decision.Denied("signing method " + algorithm + " is not accepted (RSA only)");
        }
        String kid = signed.getHeader().getKeyID();
        if (kid == null || kid.isBlank()) {
            return new Decision.Denied("the token header has no kid");
        }
        List<JWK> candidates;
        try {
            candidates = keys.get(new JWKSelector(new JWKMatcher.Builder().keyID(kid).keyType(KeyType.RSA).build()),
                    null);
        } catch (KeySourceException e) {
            return new Decision.Denied("the issuer's key set cannot be read: " + e.getMessage());
        }
        if (candidates.isEmpty()) {
            return new Decision.Denied("no key '" + kid + "' in the issuer's key set");
        }
        try {
            if (!signed.verify(new RSASSAVerifier((RSAKey) candidates.getFirst()))) {
                return new Decision.Denied("the signature does not verify");
            }
        } catch (JOSEException e) {
            return new Decision.Denied("the signature does not verify");
        }
        JWTClaimsSet claims;
        try {
            claims = signed.getJWTClaimsSet();
        } catch (ParseException e) {
            return new Decision.Denied("the token's claims are not a JSON object");
        }
        String denied = checkClaims(claims);
        return denied != null ? new Decision.Denied(denied) : new Decision.Allowed(asEventClaims(claims));
    }

    private String checkClaims(JWTClaimsSet claims) {
        Instant now = clock.instant();
        if (!issuer.equals(claims.getIssuer())) {
            return "the token has an invalid issuer";
        }
        List<String> aud = claims.getAudience();
        Object clientId = claims.getClaim("client_id");
        boolean audienceMatches = aud.isEmpty() ? clientId instanceof String c && audiences.contains(c)
                : aud.stream().anyMatch(audiences::contains);
        if (!audienceMatches) {
            return "the token does not have a valid audience";
        }
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            return "the token has no expiration time";
        }
        if (!now.isBefore(exp.toInstant())) {
            return "the token has expired";
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(nbf.toInstant())) {
            return "the token is not valid yet (nbf)";
        }
        Date iat = claims.getIssueTime();
        if (iat != null && now.isBefore(iat.toInstant())) {
            return "the token was issued in the future (iat)";
        }
        return null;
    }

    /**
     * Claims as API Gateway hands them to the function: every value a string; numbers (exp, iat, nbf in seconds)
     * and booleans as written; lists as {@code [a b]}; objects as JSON.
     */
    static Map<String, String> asEventClaims(JWTClaimsSet claims) {
        Map<String, String> out = new LinkedHashMap<>();
        claims.toJSONObject().forEach((name, value) -> {
            if (value == null) {
                return;
            }
            String text;
            if (value instanceof Collection<?> list) {
                text = list.stream().map(String::valueOf).collect(Collectors.joining(" ", "[", "]"));
            } else if (value instanceof Map<?, ?> map) {
                try {
                    text = JSON.writeValueAsString(map);
                } catch (IOException e) {
                    text = String.valueOf(map);
                }
            } else {
                text = String.valueOf(value);
            }
            out.put(name, text);
        });
        return out;
    }
}
