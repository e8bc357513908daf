package com.acme.payments.local.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The authorizer's edges with a fixed clock and an in-memory key set (no server): the exact expiry boundary,
 * {@code iat} in the future, a token without {@code exp}, an RS384 token, and the claim strings the function
 * receives. The refusals against the real server are in LocalApiServerJwtIT.
 */
class JwtAuthorizerTest {
    private static final String ISSUER = "https://auth.example.com/";
    private static final String AUDIENCE = "payments-api";
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static RSAKey key;
    private static JwtAuthorizer authorizer;

    @BeforeAll
    static void keys() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        authorizer = new JwtAuthorizer(ISSUER, List.of(AUDIENCE), new ImmutableJWKSet<>(new JWKSet(key.toPublicJWK())),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static String sign(JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID("k1").build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).claim("merchant_id", "m_1")
                .issueTime(Date.from(NOW.minusSeconds(60))).expirationTime(Date.from(NOW.plusSeconds(60)));
    }

    private static String denial(String token) {
        return authorizer.authorize("Bearer " + token) instanceof JwtAuthorizer.Decision.Denied d ? d.description() : "allowed";
    }

    @Test
    void expiresExactlyAtExp_noLeeway() throws Exception {
        assertThat(denial(sign(JWSAlgorithm.RS256, claims().expirationTime(Date.from(NOW)).build())))
                .isEqualTo("the token has expired");
        assertThat(denial(sign(JWSAlgorithm.RS256, claims().expirationTime(Date.from(NOW.plusSeconds(1))).build())))
                .isEqualTo("allowed");
    }

    @Test
    void refusesIatInTheFuture_andATokenWithoutExp() throws Exception {
        assertThat(denial(sign(JWSAlgorithm.RS256, claims().issueTime(Date.from(NOW.plusSeconds(30))).build())))
                .isEqualTo("the token was issued in the future (iat)");
        assertThat(denial(sign(JWSAlgorithm.RS256, claims().expirationTime(null).build())))
                .isEqualTo("the token has no expiration time");
    }

    @Test
    void acceptsTheOtherRsaAlgorithms_andAnyConfiguredAudienceInAList() throws Exception {
        assertThat(denial(sign(JWSAlgorithm.RS384, claims().audience(List.of("other", AUDIENCE)).build())))
                .isEqualTo("allowed");
    }

    @Test
    void claimsReachTheFunctionAsApiGatewayFormatsThem() throws Exception {
        String token = sign(JWSAlgorithm.RS256, claims().audience(List.of("a", AUDIENCE)).claim("admin", true)
                .claim("scopes", List.of("read", "write")).claim("org", Map.of("id", "o1")).build());
        var decision = authorizer.authorize(token); // bare token, no "Bearer "
        assertThat(decision).isInstanceOf(JwtAuthorizer.Decision.Allowed.class);
        Map<String, String> got = ((JwtAuthorizer.Decision.Allowed) decision).claims();
        assertThat(got).containsEntry("merchant_id", "m_1").containsEntry("iss", ISSUER)
                .containsEntry("aud", "[a " + AUDIENCE + "]").containsEntry("admin", "true")
                .containsEntry("scopes", "[read write]").containsEntry("org", "{\"id\":\"o1\"}")
                .containsEntry("exp", Long.toString(NOW.plusSeconds(60).getEpochSecond()));
    }
}
