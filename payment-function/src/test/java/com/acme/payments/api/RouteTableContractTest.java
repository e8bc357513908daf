package com.acme.payments.api;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Route} is the one route table: the HTTP API routes in {@code template.yaml} and the operations in
 * {@code api/openapi.yaml} must be exactly its routes, and only {@link Route#HEALTH} may skip the JWT authorizer.
 */
class RouteTableContractTest {
    /** An {@code HttpApi} event of the template: its properties up to the next event or section. */
    private static final Pattern HTTP_API_EVENT = Pattern.compile(
            "Type: HttpApi\\s+Properties:(.*?)(?=\\n {8}\\w+:\\n|\\n {6}\\w|\\n {2}\\w|\\Z)", Pattern.DOTALL);
    private static final Pattern METHOD = Pattern.compile("Method: (\\w+)");
    private static final Pattern PATH = Pattern.compile("Path: (\\S+)");

    private static Set<String> routeKeys() {
        return Arrays.stream(Route.values()).map(Route::key).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void templateHttpApiRoutes_areExactlyTheRouteTable_andOnlyHealthSkipsTheAuthorizer() throws IOException {
        String template = Files.readString(OpenApiContractTest.repositoryRoot().resolve("template.yaml"));
        Set<String> keys = new TreeSet<>();
        Set<String> unauthenticated = new TreeSet<>();
        Matcher event = HTTP_API_EVENT.matcher(template);
        while (event.find()) {
            String properties = event.group(1);
            Matcher method = METHOD.matcher(properties);
            Matcher path = PATH.matcher(properties);
            assertThat(method.find() && path.find()).as("an HttpApi event with Method and Path").isTrue();
            String key = method.group(1).toUpperCase(Locale.ROOT) + " " + path.group(1);
            keys.add(key);
            if (properties.contains("Authorizer: NONE")) {
                unauthenticated.add(key);
            }
        }
        assertThat(keys).isEqualTo(routeKeys());
        assertThat(unauthenticated).containsExactlyElementsOf(Arrays.stream(Route.values())
                .filter(r -> !r.authenticated()).map(Route::key).toList());
    }

    @Test
    void openApiOperations_areExactlyTheRouteTable() throws IOException {
        Map<String, Object> spec;
        try (Reader reader = Files.newBufferedReader(OpenApiContractTest.repositoryRoot().resolve("api/openapi.yaml"))) {
            spec = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
        Set<String> keys = new TreeSet<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) spec.get("paths");
        paths.forEach((path, operations) -> operations.keySet().stream()
                .filter(m -> Set.of("get", "post", "put", "patch", "delete").contains(m))
                .forEach(m -> keys.add(m.toUpperCase(Locale.ROOT) + " " + path)));
        assertThat(keys).isEqualTo(routeKeys());
    }

    @Test
    void everyRouteResolvesFromItsOwnTemplate() {
        for (Route route : Route.values()) {
            String path = route.template().replace("{id}", "pay_0192f7e0-0000-7000-8000-000000000001");
            assertThat(Route.resolve(route.method(), path))
                    .isEqualTo(new Route.Resolution.Found(route, path.contains("pay_")
                            ? "pay_0192f7e0-0000-7000-8000-000000000001" : null));
        }
    }
}
