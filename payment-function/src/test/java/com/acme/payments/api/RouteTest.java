package com.acme.payments.api;

import com.acme.payments.api.Route.Resolution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The one route table: every route resolves, wrong methods are 405 with Allow, anything unclean is 404. */
class RouteTest {
    private static final String ID = "pay_0192f7e0-abcd-7abc-8abc-abcd00000001";

    @ParameterizedTest
    @EnumSource(Route.class)
    void everyRoute_resolvesFromItsOwnMethodAndTemplate(Route route) {
        String path = route.template().replace("{id}", ID);

        Resolution resolution = Route.resolve(route.method(), path);

        assertThat(resolution).isEqualTo(new Resolution.Found(route, route.template().contains("{id}") ? ID : null));
        // The method is matched case-insensitively, as the Lambda event may carry it either way.
        assertThat(Route.resolve(route.method().toLowerCase(), path)).isEqualTo(resolution);
    }

    @Test
    void routeKeys_areTheHttpApiRouteKeys_andUnique() {
        assertThat(Route.CREATE_PAYMENT.key()).isEqualTo("POST /payments");
        assertThat(Route.CAPTURE_PAYMENT.key()).isEqualTo("POST /payments/{id}/capture");
        assertThat(Arrays.stream(Route.values()).map(Route::key)).doesNotHaveDuplicates();
    }

    @Test
    void writes_areExactlyThePosts_andOnlyHealthIsPublic() {
        for (Route route : Route.values()) {
            assertThat(route.write()).as(route.key()).isEqualTo(route.method().equals("POST"));
            assertThat(route.authenticated()).as(route.key()).isEqualTo(route != Route.HEALTH);
        }
    }

    @ParameterizedTest(name = "{0} {1} -> Allow: {2}")
    @CsvSource(delimiter = '|', value = {
            "DELETE | /payments/" + ID + " | GET",
            "PUT    | /payments               | GET, POST",
            "DELETE | /payments               | GET, POST",
            "GET    | /payments/" + ID + "/capture | POST",
            "GET    | /payments/" + ID + "/refunds | POST",
            "PATCH  | /payments/" + ID + "/cancel  | POST",
            "POST   | /health                 | GET",
            "HEAD   | /health                 | GET",
            "''     | /payments               | GET, POST"})
    void aKnownPathWithAnotherMethod_isMethodNotAllowed_listingTheMethodsItHas(String method, String path,
                                                                              String allow) {
        assertThat(Route.resolve(method, path)).isEqualTo(new Resolution.MethodNotAllowed(allow));
    }

    @Test
    void aMissingMethod_isMethodNotAllowed_onAKnownPath() {
        assertThat(Route.resolve(null, "/health")).isEqualTo(new Resolution.MethodNotAllowed("GET"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/refunds", "/", "/payment", "/PAYMENTS", "/Health", "/payments/" + ID + "/void",
            "/payments/" + ID + "/capture/extra", "/payments/" + ID + "/refunds/re_1", "/health/x", "/payments/x/y/z/w",
            "/payments/./" + ID, "/./payments"})
    void anUnknownPath_isNotFound(String path) {
        assertThat(Route.resolve("GET", path)).isEqualTo(new Resolution.NotFound());
        assertThat(Route.resolve("POST", path)).isEqualTo(new Resolution.NotFound());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/payments/../health", "/payments/" + ID + "/..", "//payments", "/payments/", "/health/",
            "/payments/%2e%2e/health", "/payments%2F" + ID, "/payments/" + ID + "%2Fcapture", "/payments\\" + ID,
            "/payments/" + ID + "\u0000", "/payments/" + ID + " ", "/pay ments", "/payments/" + ID + "\n",
            "/payments/é", "payments", ""})
    void anUncleanPath_isNotFound_neverNormalised(String path) {
        assertThat(Route.isCleanPath(path)).isFalse();
        assertThat(Route.resolve("GET", path)).isEqualTo(new Resolution.NotFound());
    }

    @Test
    void aNullOrOverlongPath_isNotFound() {
        assertThat(Route.resolve("GET", null)).isEqualTo(new Resolution.NotFound());
        assertThat(Route.resolve("GET", "/payments/" + "a".repeat(200))).isEqualTo(new Resolution.NotFound());
        assertThat(Route.isCleanPath("/" + "a".repeat(199))).isTrue();
        assertThat(Route.isCleanPath("/" + "a".repeat(200))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pay_x", "pay_", "not-an-id", "4111111111111111", "PAY_0192F7E0-ABCD-7ABC-8ABC-ABCD00000001",
            "PAY_0192f7e0-abcd-7abc-8abc-abcd00000001",
            "pay_0192f7e0-abcd-7abc-8abc-abcd0000000", "pay_0192f7e0-abcd-7abc-8abc-abcd000000011",
            "pay_0192f7e0abcd7abc8abcabcd00000001", "re_0192f7e0-abcd-7abc-8abc-abcd00000001",
            "pay_0192f7e0-abcd-7abc-8abc-abcd0000000g", "*"})
    void aMalformedPaymentId_isNotFound_onEveryPaymentRoute(String id) {
        assertThat(Route.resolve("GET", "/payments/" + id)).isEqualTo(new Resolution.NotFound());
        for (String operation : new String[] {"capture", "refunds", "cancel"}) {
            assertThat(Route.resolve("POST", "/payments/" + id + "/" + operation)).isEqualTo(new Resolution.NotFound());
        }
        // Not a 405 either: a malformed id does not name a resource whose methods could be listed.
        assertThat(Route.resolve("DELETE", "/payments/" + id)).isEqualTo(new Resolution.NotFound());
    }
}
