package com.acme.payments.local;

import com.acme.payments.function.FunctionWiring;
import com.acme.payments.function.PaymentHandler;
import com.acme.payments.local.auth.JwtAuthorizer;
import com.acme.payments.local.auth.LocalAuthorizer;
import com.acme.payments.local.auth.LocalIssuer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JWT authorizer path through the local API server, over real HTTP, against the real handler and the emulator:
 * tokens from the local issuer (discovery document, JWKS, RS256) validated with the dev stack's JwtIssuer and
 * JwtAudience (samconfig.toml), the way the HTTP API JWT authorizer validates them on AWS. Every refusal is API
 * Gateway's 401 with its {@code www-authenticate} reason and never reaches the function; a valid token reaches it
 * with its claims. The development identity works only behind its explicit opt-in.
 */
class LocalApiServerJwtIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static TestDeployment deployment;
    private static LocalIssuer issuer;
    private static LocalIssuer impostor;
    private static LocalApiServer server;
    private static LocalApiServer devServer;
    private static String merchantClaim;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> stack = TestIdentity.devStackParameters();
        merchantClaim = stack.getOrDefault("MerchantClaim", "merchant_id");
        issuer = LocalIssuer.start("127.0.0.1", 0, stack.get("JwtIssuer"), stack.get("JwtAudience"), merchantClaim);
        // Same issuer name and audience, its own key: what a forger without the provider's key can make.
        impostor = LocalIssuer.start("127.0.0.1", 0, stack.get("JwtIssuer"), stack.get("JwtAudience"), merchantClaim);
        deployment = new TestDeployment(Region.US_EAST_1, "http://127.0.0.1:9", 500);
        PaymentHandler handler = new PaymentHandler(FunctionWiring.fromEnvironment(deployment.functionEnv(300)));
        server = new LocalApiServer("127.0.0.1", 0, handler, LocalAuthorizer.jwt(
                JwtAuthorizer.fromDiscovery(stack.get("JwtIssuer"), List.of(stack.get("JwtAudience")), issuer.baseUri())));
        devServer = new LocalApiServer("127.0.0.1", 0, handler,
                LocalAuthorizer.developmentIdentity(merchantClaim));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {server, devServer, issuer, impostor}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    // ---- tokens ----------------------------------------------------------------------------------------------

    private static JWTClaimsSet.Builder validClaims(String merchant) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer.issuer()).audience(issuer.audience())
                .subject("merchant:" + merchant).claim(merchantClaim, merchant)
                .issueTime(Date.from(now.minusSeconds(5))).notBeforeTime(Date.from(now.minusSeconds(5)))
                .expirationTime(Date.from(now.plusSeconds(600)));
    }

    private static String merchant() {
        return "m_jwt_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static HttpResponse<String> get(LocalApiServer target, String path, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + path))
                .timeout(Duration.ofSeconds(20)).GET();
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> withToken(String token) throws Exception {
        return get(server, "/payments?limit=5", Map.of("Authorization", "Bearer " + token));
    }

    /** API Gateway's refusal: 401, its fixed body, the reason in www-authenticate; the function never ran. */
    private static void assertRefused(HttpResponse<String> response, String reason) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("{\"message\":\"Unauthorized\"}"));
        assertThat(response.headers().firstValue("www-authenticate")).get().asString()
                .startsWith("Bearer scope=\"\" error=\"invalid_token\"").contains(reason);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    }

    // ---- accepted --------------------------------------------------------------------------------------------

    @Test
    void validToken_reachesTheFunctionWithItsClaims() throws Exception {
        String merchant = merchant();
        HttpResponse<String> listed = withToken(issuer.tokenFor(merchant, Duration.ofMinutes(5)));
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        assertThat(JSON.readTree(listed.body()).get("items")).isEmpty();
        // The function saw this merchant: another merchant's payment id is a 404, not a 401.
        HttpResponse<String> missing = get(server, "/payments/pay_" + UUID.randomUUID(),
                Map.of("Authorization", "Bearer " + issuer.tokenFor(merchant, Duration.ofMinutes(5))));
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
        assertThat(missing.headers().firstValue("www-authenticate")).isEmpty();
    }

    @Test
    void bareToken_withoutBearerPrefix_isAccepted_asApiGatewayDoes() throws Exception {
        HttpResponse<String> r = get(server, "/payments", Map.of("Authorization",
                issuer.tokenFor(merchant(), Duration.ofMinutes(5))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void clientIdStandsInForAMissingAudience() throws Exception {
        String token = issuer.sign(validClaims(merchant()).audience((String) null)
                .claim("client_id", issuer.audience()).build());
        assertThat(withToken(token).statusCode()).isEqualTo(200);
    }

    @Test
    void healthIsPublic_reachesTheFunctionWithoutAToken() throws Exception {
        // Authorizer: NONE in template.yaml. Its status is the function's (200, or 503 while degraded), never 401.
        HttpResponse<String> r = get(server, "/health", Map.of());
        assertThat(r.statusCode()).as(r.body()).isNotEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).isEmpty();
        assertThat(JSON.readTree(r.body()).path("region").asText()).isEqualTo("us-east-1");
    }

    // ---- refused ---------------------------------------------------------------------------------------------

    @Test
    void expiredToken_isRefused() throws Exception {
        Instant past = Instant.now().minusSeconds(3600);
        assertRefused(withToken(issuer.sign(validClaims(merchant()).issueTime(Date.from(past))
                .notBeforeTime(Date.from(past)).expirationTime(Date.from(past.plusSeconds(600))).build())),
                "the token has expired");
    }

    @Test
    void wrongAudience_isRefused() throws Exception {
        assertRefused(withToken(issuer.sign(validClaims(merchant()).audience("another-api").build())),
                "the token does not have a valid audience");
    }

    @Test
    void wrongIssuer_isRefused() throws Exception {
        assertRefused(withToken(issuer.sign(validClaims(merchant()).issuer("https://evil.example.net/").build())),
                "the token has an invalid issuer");
    }

    @Test
    void badSignature_isRefused() throws Exception {
        // A real token whose payload was changed to another merchant: the signature no longer matches.
        String[] parts = issuer.tokenFor("m_honest", Duration.ofMinutes(5)).split("\\.");
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                validClaims("m_victim").build().toString().getBytes());
        assertRefused(withToken(parts[0] + "." + forged + "." + parts[2]), "the signature does not verify");
    }

    @Test
    void tokenSignedWithAnotherKey_isRefused() throws Exception {
        assertRefused(withToken(impostor.tokenFor(merchant(), Duration.ofMinutes(5))),
                "no key '" + impostor.keyId() + "' in the issuer's key set");
    }

    @Test
    void tokenWithTheIssuersKidButAnotherKey_isRefused() throws Exception {
        // The forger copies the real kid into a token signed with its own key.
        String real = issuer.tokenFor("m_x", Duration.ofMinutes(5));
        String fake = impostor.tokenFor("m_x", Duration.ofMinutes(5));
        String[] r = real.split("\\.");
        String[] f = fake.split("\\.");
        assertRefused(withToken(r[0] + "." + f[1] + "." + f[2]), "the signature does not verify");
    }

    @Test
    void algNone_isRefused() throws Exception {
        String unsigned = new PlainJWT(validClaims(merchant()).build()).serialize();
        assertRefused(withToken(unsigned), "unsigned token (alg none) is not accepted");
    }

    @Test
    void hmacSignedToken_isRefused() throws Exception {
        // HS256 with the public key's bytes as secret is the classic algorithm-confusion attack.
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(issuer.keyId())
                .type(JOSEObjectType.JWT).build(), validClaims(merchant()).build());
        hs.sign(new MACSigner(new byte[32]));
        assertRefused(withToken(hs.serialize()), "signing method HS256 is not accepted");
    }

    @Test
    void notYetValidToken_isRefused() throws Exception {
        Instant future = Instant.now().plusSeconds(300);
        assertRefused(withToken(issuer.sign(validClaims(merchant()).notBeforeTime(Date.from(future)).build())),
                "the token is not valid yet");
    }

    @Test
    void missingToken_andDevHeaderWithoutOptIn_areRefused() throws Exception {
        assertRefused(get(server, "/payments", Map.of()), "no token in the Authorization header");
        assertRefused(get(server, "/payments", Map.of("X-Dev-Merchant", "m_dev")), "no token");
        assertRefused(get(server, "/payments", Map.of("Authorization", "Bearer not-a-jwt")), "the token is not a JWT");
    }

    @Test
    void missingMerchantClaim_passesTheAuthorizer_andTheFunctionAnswers401() throws Exception {
        // API Gateway checks signature, iss, aud, exp, nbf, iat; the merchant claim is the function's to require.
        String token = issuer.sign(validClaims(merchant()).claim(merchantClaim, null).build());
        HttpResponse<String> r = withToken(token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(r.headers().firstValue("www-authenticate")).isEmpty();
        JsonNode problem = JSON.readTree(r.body());
        assertThat(problem.path("status").asInt()).isEqualTo(401);
    }

    // ---- development identity, opt-in only -------------------------------------------------------------------

    @Test
    void developmentIdentity_acceptsDevHeaderAndUnsignedTokens_onlyWhenOptedIn() throws Exception {
        HttpResponse<String> header = get(devServer, "/payments", Map.of("X-Dev-Merchant", merchant()));
        assertThat(header.statusCode()).as(header.body()).isEqualTo(200);
        String unsigned = new PlainJWT(validClaims(merchant()).build()).serialize();
        HttpResponse<String> plain = get(devServer, "/payments", Map.of("Authorization", "Bearer " + unsigned));
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        // The same unsigned token at the default server: refused.
        assertRefused(withToken(unsigned), "alg none");
    }

    // ---- the issuer itself -----------------------------------------------------------------------------------

    @Test
    void issuer_servesDiscoveryAndPublicKeysOnly_andMintsTokensThatPass() throws Exception {
        JsonNode discovery = JSON.readTree(HTTP.send(HttpRequest.newBuilder(
                URI.create(issuer.baseUri() + "/.well-known/openid-configuration")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(discovery.get("issuer").asText()).isEqualTo(issuer.issuer());
        JsonNode jwks = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(discovery.get("jwks_uri").asText()))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(jwks.get("keys")).hasSize(1);
        JsonNode key = jwks.get("keys").get(0);
        assertThat(key.get("kty").asText()).isEqualTo("RSA");
        assertThat(key.get("kid").asText()).isEqualTo(issuer.keyId());
        for (String privatePart : List.of("d", "p", "q", "dp", "dq", "qi")) {
            assertThat(key.has(privatePart)).as("private key part " + privatePart + " published").isFalse();
        }
        HttpResponse<String> minted = HTTP.send(HttpRequest.newBuilder(
                URI.create(issuer.baseUri() + "/token?" + merchantClaim + "=m_make_token")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(minted.statusCode()).isEqualTo(200);
        assertThat(withToken(minted.body().strip()).statusCode()).isEqualTo(200);
        HttpResponse<String> bad = HTTP.send(HttpRequest.newBuilder(
                URI.create(issuer.baseUri() + "/token?" + merchantClaim + "=bad%20id")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
    }
}
