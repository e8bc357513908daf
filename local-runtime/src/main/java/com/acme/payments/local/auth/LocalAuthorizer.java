package com.acme.payments.local.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What stands in front of the handler in the local API server, as the HTTP API's JWT authorizer does on AWS:
 * every route needs a valid token except the public ones ({@code GET /health}, {@code Authorizer: NONE} in
 * template.yaml), and a refused request never reaches the function. One difference: the local server has no
 * route table (the function routes), so a request to a path no route matches is authorized first and answers 401
 * without a valid token, where API Gateway answers 404 before any authorizer runs.
 *
 * <p>Two modes. {@link #jwt} (the default everywhere) validates tokens with {@link JwtAuthorizer}.
 * {@link #developmentIdentity} is the explicit opt-in ({@code --dev-identity}, {@code LOCAL_DEV_IDENTITY=1}) for
 * tools that cannot get a token: it trusts an {@code X-Dev-Merchant} header or the payload of an unsigned or
 * unverified token as-is. It exists only in local-runtime; the deployed function has neither.
 */
public final class LocalAuthorizer {
    /** Header that names the merchant directly, honoured in development-identity mode only. */
    public static final String DEV_MERCHANT_HEADER = "x-dev-merchant";
    /** Routes of template.yaml with {@code Auth: Authorizer: NONE}. */
    static final Set<String> PUBLIC_ROUTES = Set.of("GET /health");

    private final JwtAuthorizer jwt;
    private final String merchantClaim;

    /** The result for one request. */
    public sealed interface Result {
        /** Passed (or a public route): the claims for the event, empty when there are none. */
        record Pass(Map<String, String> claims) implements Result {
        }

        /** Refused before the function: HTTP 401 with API Gateway's body and {@code www-authenticate} header. */
        record Unauthorized(String description) implements Result {
            public String body() {
                return "{\"message\":\"Unauthorized\"}";
            }

            public String wwwAuthenticate() {
                return "Bearer scope=\"\" error=\"invalid_token\" error_description=\""
                        + description.replace("\"", "'") + "\"";
            }
        }
    }

    private LocalAuthorizer(JwtAuthorizer jwt, String merchantClaim) {
        this.jwt = jwt;
        this.merchantClaim = merchantClaim;
    }

    /** Tokens validated like the HTTP API JWT authorizer. */
    public static LocalAuthorizer jwt(JwtAuthorizer authorizer) {
        return new LocalAuthorizer(authorizer, null);
    }

    /** Opt-in development identity: X-Dev-Merchant or an unverified token's payload, trusted as-is. */
    public static LocalAuthorizer developmentIdentity(String merchantClaim) {
        return new LocalAuthorizer(null, merchantClaim);
    }

    public boolean isDevelopmentIdentity() {
        return jwt == null;
    }

    /**
     * @param headers request headers, names lower-cased
     */
    public Result authorize(String method, String rawPath, Map<String, String> headers) {
        if (PUBLIC_ROUTES.contains(method + " " + rawPath)) {
            return new Result.Pass(Map.of());
        }
        if (jwt == null) {
            return new Result.Pass(developmentClaims(headers));
        }
        return switch (jwt.authorize(headers.get("authorization"))) {
            case JwtAuthorizer.Decision.Allowed allowed -> new Result.Pass(allowed.claims());
            case JwtAuthorizer.Decision.Denied denied -> new Result.Unauthorized(denied.description());
        };
    }

    private Map<String, String> developmentClaims(Map<String, String> headers) {
        Map<String, String> claims = new LinkedHashMap<>();
        String auth = headers.get("authorization");
        if (auth != null) {
            String token = auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : auth.strip();
            String[] parts = token.split("\\.");
            if (parts.length >= 2) {
                try {
                    JsonNode payload = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
                    payload.properties().forEach(e -> {
                        if (e.getValue().isValueNode()) {
                            claims.put(e.getKey(), e.getValue().asText());
                        }
                    });
                } catch (Exception e) {
                    // Not a decodable token: no claims from it, and the function answers 401.
                }
            }
        }
        String merchant = headers.get(DEV_MERCHANT_HEADER);
        if (merchant != null && !merchant.isBlank()) {
            claims.put(merchantClaim, merchant.strip());
        }
        return claims;
    }
}
