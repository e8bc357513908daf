package com.acme.payments.local;

import com.acme.payments.local.auth.JwtAuthorizer;
import com.acme.payments.local.auth.LocalAuthorizer;
import com.acme.payments.local.auth.LocalIssuer;
import com.acme.payments.testsupport.LocalAws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One local issuer per test JVM, with the issuer and audience the dev stack configures (samconfig.toml,
 * {@code [dev-primary.deploy.parameters]}), and the JWT authorizer that validates its tokens through its discovery
 * document, as the local API server does.
 */
final class TestIdentity {
    private static LocalIssuer issuer;
    private static LocalAuthorizer authorizer;

    private TestIdentity() {
    }

    static synchronized LocalIssuer issuer() {
        if (issuer == null) {
            Map<String, String> stack = devStackParameters();
            try {
                issuer = LocalIssuer.start("127.0.0.1", 0, stack.get("JwtIssuer"), stack.get("JwtAudience"),
                        stack.getOrDefault("MerchantClaim", "merchant_id"));
                authorizer = LocalAuthorizer.jwt(JwtAuthorizer.fromDiscovery(issuer.issuer(),
                        List.of(issuer.audience()), issuer.baseUri()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(issuer::close));
        }
        return issuer;
    }

    static synchronized LocalAuthorizer authorizer() {
        issuer();
        return authorizer;
    }

    /** The dev config's parameter overrides (one line of Key=Value pairs without spaces in values). */
    static Map<String, String> devStackParameters() {
        String samconfig;
        try {
            samconfig = Files.readString(LocalAws.repositoryRoot().resolve("samconfig.toml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int section = samconfig.indexOf("[dev-primary.deploy.parameters]");
        if (section < 0) {
            throw new IllegalStateException("samconfig.toml has no [dev-primary.deploy.parameters]");
        }
        int next = samconfig.indexOf("\n[", section + 1);
        Matcher line = Pattern.compile("(?m)^parameter_overrides\\s*=\\s*\"([^\"]*)\"")
                .matcher(samconfig.substring(section, next < 0 ? samconfig.length() : next));
        if (!line.find()) {
            throw new IllegalStateException("no parameter_overrides in [dev-primary.deploy.parameters]");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : line.group(1).trim().split("\\s+")) {
            String[] kv = pair.split("=", 2);
            values.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return values;
    }
}
