package com.acme.payments.api;

import com.acme.payments.api.HandlerHarness.Response;
import com.acme.payments.processordouble.InMemoryProcessor.FollowUpFailure;
import com.acme.payments.processordouble.InMemoryProcessor.Kind;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static com.acme.payments.api.HandlerHarness.MERCHANT;
import static com.acme.payments.api.HandlerHarness.OTHER_MERCHANT;
import static com.acme.payments.api.HandlerHarness.createBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Route-level behaviour of the payment API, through the real Lambda handler over in-memory ports. */
class PaymentApiTest {
    private static final String VALID = createBody(2500, "USD", "tok_visa_4242", false);

    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        harness = new HandlerHarness();
    }

    @Nested
    class Identity {
        @Test
        void noAuthorizerClaims_answers401Problem() {
            Response r = harness.post("/payments", VALID).claims(null).send();

            assertProblem(r, 401, "unauthenticated");
            assertThat(harness.store.list(MERCHANT, 10, null).items()).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"", " ", "merchant/demo", "merchant demo", "../merchant_demo", "merchant_demo\n",
                "mërchant", "*"})
        void malformedMerchantClaim_answers401(String merchant) {
            assertProblem(harness.get("/payments").merchant(merchant).send(), 401, "unauthenticated");
        }

        @Test
        void merchantClaimLongerThan64Characters_answers401() {
            assertProblem(harness.get("/payments").merchant("m".repeat(65)).send(), 401, "unauthenticated");
            assertThat(harness.get("/payments").merchant("m".repeat(64)).send().status()).isEqualTo(200);
        }

        @Test
        void claimsWithoutTheConfiguredMerchantClaim_answer401() {
            Response r = harness.get("/payments").claims(Map.of("sub", MERCHANT, "merchantId", MERCHANT)).send();

            assertProblem(r, 401, "unauthenticated");
        }

        @Test
        void merchantHeader_isNeverUsedAsIdentity() {
            Response r = harness.post("/payments", VALID).claims(null).header("x-merchant-id", MERCHANT)
                    .header("x-dev-merchant", MERCHANT).send();

            assertProblem(r, 401, "unauthenticated");
        }

        @Test
        void merchantHeader_doesNotOverrideTheVerifiedClaim() {
            String id = harness.createPayment(VALID);
            Response asOther = harness.get("/payments/" + id).merchant(OTHER_MERCHANT).header("x-merchant-id", MERCHANT)
                    .send();

            assertThat(asOther.status()).isEqualTo(404);
        }

        @Test
        void merchantIdBodyField_isRejectedAsUnknown_notUsedAsIdentity() {
            String body = "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\",\"merchantId\":\""
                    + OTHER_MERCHANT + "\"}";

            Response r = harness.post("/payments", body).send();

            assertProblem(r, 400, "validation-error");
            assertThat(r.errorFields()).containsExactly("merchantId");
            assertThat(harness.store.list(OTHER_MERCHANT, 10, null).items()).isEmpty();
        }

        @Test
        void anotherMerchantsPayment_answers404LikeAnAbsentOne() {
            String id = harness.createPayment(VALID);

            Response foreign = harness.get("/payments/" + id).merchant(OTHER_MERCHANT).send();
            Response absent = harness.get("/payments/" + HandlerHarness.ABSENT_ID).merchant(OTHER_MERCHANT).send();

            assertProblem(foreign, 404, "not-found");
            // Same answer apart from the echoed path: nothing tells the caller the payment exists.
            assertThat(foreign.body().replace(id, "ID")).isEqualTo(absent.body().replace(HandlerHarness.ABSENT_ID, "ID"));
            assertThat(foreign.body()).doesNotContain(MERCHANT);
        }

        @Test
        void anotherMerchantsPayment_cannotBeCapturedOrCanceledOrRefunded() {
            String id = harness.createPayment(createBody(2500, "USD", "tok_visa_4242", true));

            Map<String, String> operations = Map.of("capture", "{}", "cancel", "{}", "refunds", "{\"amount\":100}");
            operations.forEach((operation, body) -> {
                Response r = harness.post("/payments/" + id + "/" + operation, body).merchant(OTHER_MERCHANT).send();
                assertThat(r.status()).as(operation).isEqualTo(404);
            });
            assertThat(harness.get("/payments/" + id).send().json().get("status").asText()).isEqualTo("CAPTURED");
        }
    }

    @Nested
    class Idempotency {
        @Test
        void missingIdempotencyKey_answers400() {
            Response r = harness.post("/payments", VALID).header("idempotency-key", null).send();

            assertProblem(r, 400, "idempotency-key");
            assertThat(harness.store.list(MERCHANT, 10, null).items()).isEmpty();
        }

        @Test
        void replay_answersTheStoredStatusAndBody_withTheReplayHeader_andDoesNotChargeAgain() {
            Response first = harness.post("/payments", VALID).header("idempotency-key", "order-1001-attempt").send();
            harness.clock.advance(Duration.ofMinutes(5));
            Response replay = harness.post("/payments", VALID).header("idempotency-key", "order-1001-attempt").send();

            assertThat(first.status()).isEqualTo(201);
            assertThat(replay.status()).isEqualTo(201);
            assertThat(replay.body()).isEqualTo(first.body());
            assertThat(replay.header("Location")).isEqualTo(first.header("Location"));
            assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(first.header("Idempotent-Replayed")).isNull();
            assertThat(harness.store.list(MERCHANT, 10, null).items()).hasSize(1);
            assertThat(harness.processor.authorizeCalls()).isEqualTo(1);
        }

        @Test
        void replayOfADecline_answersTheStored402() {
            String declined = createBody(2500, "USD", "tok_decline_card", false);
            Response first = harness.post("/payments", declined).header("idempotency-key", "decline-key-1").send();
            Response replay = harness.post("/payments", declined).header("idempotency-key", "decline-key-1").send();

            assertThat(first.status()).isEqualTo(402);
            assertThat(replay.status()).isEqualTo(402);
            assertThat(replay.body()).isEqualTo(first.body());
            assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        }

        @Test
        void sameKeyWithADifferentBody_answers422_andCreatesNothing() {
            harness.post("/payments", VALID).header("idempotency-key", "order-1002-attempt").send();

            Response r = harness.post("/payments", createBody(2600, "USD", "tok_visa_4242", false))
                    .header("idempotency-key", "order-1002-attempt").send();

            assertProblem(r, 422, "idempotency-mismatch");
            assertThat(harness.store.list(MERCHANT, 10, null).items()).hasSize(1);
        }

        @Test
        void sameKeyAndBodyFromAnotherMerchant_isAnIndependentRequest() {
            Response mine = harness.post("/payments", VALID).header("idempotency-key", "shared-key-123").send();
            Response theirs = harness.post("/payments", VALID).header("idempotency-key", "shared-key-123")
                    .merchant(OTHER_MERCHANT).send();

            assertThat(theirs.status()).isEqualTo(201);
            assertThat(theirs.header("Idempotent-Replayed")).isNull();
            assertThat(theirs.json().get("id").asText()).isNotEqualTo(mine.json().get("id").asText());
        }

        @Test
        void keyOfARejectedRequest_isFreedForTheCorrectedRequest() {
            Response invalid = harness.post("/payments", createBody(2500, "usd", "tok_visa_4242", false))
                    .header("idempotency-key", "fix-and-retry-1").send();
            Response corrected = harness.post("/payments", VALID).header("idempotency-key", "fix-and-retry-1").send();

            assertThat(invalid.status()).isEqualTo(400);
            assertThat(corrected.status()).isEqualTo(201);
            assertThat(corrected.header("Idempotent-Replayed")).isNull();
        }
    }

    /**
     * Answers whose outcome was not known (202) or could not be recorded (503) leave the key to a retry, which
     * resumes the same payment, refund or capture/cancel attempt and re-sends the same processor key.
     */
    @Nested
    class Resumption {
        @Test
        void createTimeout_answers202_andTheSameKeyResumesAtOnce_reportingTheOutcome_withoutASecondCharge() {
            String slow = createBody(2500, "USD", "tok_timeout_slow", false);
            Response pending = harness.post("/payments", slow).header("idempotency-key", "slow-create-1").send();
            assertThat(pending.status()).as(pending.toString()).isEqualTo(202);

            Response resumed = harness.post("/payments", slow).header("idempotency-key", "slow-create-1").send();

            assertThat(resumed.status()).as(resumed.toString()).isEqualTo(201);
            assertThat(resumed.header("Idempotent-Replayed")).isNull();
            assertThat(resumed.json().get("id").asText()).isEqualTo(pending.json().get("id").asText());
            assertThat(resumed.json().get("status").asText()).isEqualTo("AUTHORIZED");
            assertThat(harness.processor.authorizations()).isEqualTo(1);
            assertThat(harness.processor.calls(Kind.AUTHORIZE)).extracting(c -> c.idempotencyKey()).containsOnly(
                    pending.json().get("id").asText() + ":authorize");
            assertThat(harness.store.all()).hasSize(1);
            Response replay = harness.post("/payments", slow).header("idempotency-key", "slow-create-1").send();
            assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(replay.body()).isEqualTo(resumed.body());
        }

        @Test
        void captureTimeout_answers202_andTheSameKeyResumesTheSameAttempt_capturingOnce() {
            String id = harness.createPayment(VALID);
            harness.processor.failNextFollowUp(FollowUpFailure.TIMEOUT);
            Response pending = harness.post("/payments/" + id + "/capture", "{}")
                    .header("idempotency-key", "slow-capture-1").send();
            assertThat(pending.status()).as(pending.toString()).isEqualTo(202);
            assertThat(pending.json().get("pendingOperation").asText()).isEqualTo("CAPTURE");

            Response resumed = harness.post("/payments/" + id + "/capture", "{}")
                    .header("idempotency-key", "slow-capture-1").send();

            assertThat(resumed.status()).as(resumed.toString()).isEqualTo(200);
            assertThat(resumed.json().get("status").asText()).isEqualTo("CAPTURED");
            assertThat(harness.processor.captures()).isEqualTo(1);
            // Both sends carry the one processor key of the one attempt.
            assertThat(harness.processor.calls(Kind.CAPTURE)).hasSize(2);
            assertThat(harness.processor.calls(Kind.CAPTURE).stream().map(c -> c.idempotencyKey()).distinct())
                    .singleElement().asString().endsWith(":capture");
        }

        @Test
        void refundTimeout_answers202_andTheSameKeyResumesTheSameRefund_refundingOnce() {
            String id = harness.createPayment(createBody(2500, "USD", "tok_visa_4242", true));
            harness.processor.failNextFollowUp(FollowUpFailure.TIMEOUT);
            Response pending = harness.post("/payments/" + id + "/refunds", "{\"amount\":1000}")
                    .header("idempotency-key", "slow-refund-1").send();
            assertThat(pending.status()).as(pending.toString()).isEqualTo(202);
            assertThat(pending.json().get("status").asText()).isEqualTo("PENDING");

            Response resumed = harness.post("/payments/" + id + "/refunds", "{\"amount\":1000}")
                    .header("idempotency-key", "slow-refund-1").send();

            assertThat(resumed.status()).as(resumed.toString()).isEqualTo(201);
            assertThat(resumed.json().get("id").asText()).isEqualTo(pending.json().get("id").asText());
            assertThat(resumed.json().get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(harness.processor.refunds()).isEqualTo(1);
            assertThat(harness.processor.refundedAmount()).isEqualTo(1000);
        }

        @Test
        void anOutcomeThatCannotBeRecorded_answers503_keepsTheKey_andTheRetryRecordsItWithoutChargingAgain() {
            // Issue 11, history 3: after the processor charged, losing every write race must never free the key.
            harness.updatesConflict = true;
            Response failed = harness.post("/payments", VALID).header("idempotency-key", "lost-race-1").send();

            assertProblem(failed, 503, "service-unavailable");
            assertThat(harness.processor.authorizations()).isEqualTo(1);
            assertProblem(harness.post("/payments", VALID).header("idempotency-key", "lost-race-1").send(), 409,
                    "idempotency-in-flight");

            harness.updatesConflict = false;
            harness.clock.advance(Duration.ofSeconds(61)); // past the 60 s lock
            Response resumed = harness.post("/payments", VALID).header("idempotency-key", "lost-race-1").send();

            assertThat(resumed.status()).as(resumed.toString()).isEqualTo(201);
            assertThat(resumed.json().get("status").asText()).isEqualTo("AUTHORIZED");
            assertThat(harness.store.all()).hasSize(1);
            assertThat(harness.processor.authorizations()).isEqualTo(1);
        }

        @Test
        void losingEveryRaceBeforeAnyCall_answers409_andFreesTheKey_becauseNothingWasSent() {
            String id = harness.createPayment(VALID);
            harness.updatesConflict = true;
            Response conflict = harness.post("/payments/" + id + "/capture", "{}")
                    .header("idempotency-key", "capture-race-1").send();

            assertProblem(conflict, 409, "concurrent-update");
            assertThat(harness.processor.calls(Kind.CAPTURE)).isEmpty();

            harness.updatesConflict = false;
            Response retry = harness.post("/payments/" + id + "/capture", "{}")
                    .header("idempotency-key", "capture-race-1").send();
            assertThat(retry.status()).as(retry.toString()).isEqualTo(200);
            assertThat(retry.header("Idempotent-Replayed")).isNull();
            assertThat(harness.processor.captures()).isEqualTo(1);
        }
    }

    @Nested
    class Policy {
        @Test
        void aCurrencyThePolicyDoesNotAccept_answers400NamingIt_andFreesTheKey() {
            Response refused = harness.post("/payments", createBody(2500, "GBP", "tok_visa_4242", false))
                    .header("idempotency-key", "policy-key-1").send();

            assertProblem(refused, 400, "validation-error");
            assertThat(refused.errorFields()).containsExactly("currency");
            assertThat(harness.processor.calls()).isEmpty();
            assertThat(harness.post("/payments", VALID).header("idempotency-key", "policy-key-1").send().status())
                    .isEqualTo(201);
        }

        @Test
        void anAmountAboveTheCurrencysLimit_answers400NamingIt() {
            Response refused = harness.post("/payments", createBody(1_000_001, "USD", "tok_visa_4242", false)).send();

            assertProblem(refused, 400, "validation-error");
            assertThat(refused.errorFields()).containsExactly("amount");
            assertThat(harness.store.all()).isEmpty();
        }

        @Test
        void everyIntrinsicRule_isReportedTogether_fromTheCommand() {
            Response r = harness.post("/payments", "{\"amount\":0,\"currency\":\"usd\",\"paymentMethod\":\"card\","
                    + "\"description\":\"" + "x".repeat(300) + "\"}").send();

            assertProblem(r, 400, "validation-error");
            assertThat(r.errorFields()).containsExactlyInAnyOrder("amount", "currency", "paymentMethod", "description");
        }
    }

    @Nested
    class RequestShape {
        @Test
        void bodyOver16KiB_answers413() {
            String body = "{\"amount\":2500,\"currency\":\"USD\",\"paymentMethod\":\"tok_visa_4242\",\"description\":\""
                    + "x".repeat(17 * 1024) + "\"}";

            Response r = harness.post("/payments", body).send();

            assertProblem(r, 413, "payload-too-large");
        }

        @Test
        void base64EncodedBody_isDecoded() {
            Response r = harness.post("/payments", null).base64Body(VALID).send();

            assertThat(r.status()).as(r.toString()).isEqualTo(201);
            assertThat(r.json().get("amount").asLong()).isEqualTo(2500);
        }

        @Test
        void invalidBase64Body_answers400() {
            Response r = harness.post("/payments", null).rawBase64Body("not*base64!").send();

            assertProblem(r, 400, "validation-error");
            assertThat(r.errorFields()).containsExactly("body");
        }

        @Test
        void textPlainBody_answers415() {
            Response r = harness.post("/payments", VALID).header("content-type", "text/plain").send();

            assertProblem(r, 415, "validation-error");
        }

        @Test
        void jsonWithCharsetAndVendorJsonTypes_areAccepted() {
            assertThat(harness.post("/payments", VALID).header("content-type", "application/json; charset=utf-8")
                    .send().status()).isEqualTo(201);
            assertThat(harness.post("/payments", VALID).header("content-type", "application/vnd.acme+json")
                    .send().status()).isEqualTo(201);
        }

        @Test
        void unknownRoute_answers404() {
            assertProblem(harness.get("/refunds").send(), 404, "not-found");
            assertProblem(harness.get("/payments/not-an-id").send(), 404, "not-found");
        }

        @Test
        void notFound_namesAnOrdinaryPathAsTheInstance() {
            Response r = harness.get("/refunds").send();

            assertThat(r.json().get("instance").asText()).isEqualTo("/refunds");
        }

        /** The path is client input: a card number in it must not come back in the problem's instance. */
        @Test
        void notFound_neverEchoesACardNumberFromThePath() {
            Response plain = harness.get("/payments/4111111111111111").send();
            Response spaced = harness.get("/payments/4111 1111 1111 1111/capture").send();

            assertProblem(plain, 404, "not-found");
            assertThat(plain.json().has("instance")).isFalse();
            assertThat(plain.body()).doesNotContain("4111111111111111");
            assertProblem(spaced, 404, "not-found");
            assertThat(spaced.body()).doesNotContain("4111 1111");
        }

        @Test
        void notFound_neverEchoesAnUncleanPath() {
            Response r = harness.get("/payments/../health/" + "x".repeat(500)).send();

            assertProblem(r, 404, "not-found");
            assertThat(r.json().has("instance")).isFalse();
            assertThat(r.body()).doesNotContain("xxxxxxxxxx");
        }

        @Test
        void wrongMethod_answers405WithAllow() {
            Response delete = harness.request("DELETE", "/payments/" + HandlerHarness.ABSENT_ID).send();
            Response put = harness.request("PUT", "/payments").send();
            Response getCapture = harness.get("/payments/" + HandlerHarness.ABSENT_ID + "/capture").send();
            Response postHealth = harness.request("POST", "/health").send();

            assertProblem(delete, 405, "method-not-allowed");
            assertThat(delete.header("Allow")).isEqualTo("GET");
            assertThat(put.header("Allow")).isEqualTo("GET, POST");
            assertThat(getCapture.header("Allow")).isEqualTo("POST");
            assertThat(postHealth.header("Allow")).isEqualTo("GET");
        }
    }

    @Nested
    class CardData {
        @Test
        void cardNumberInMetadata_answers400NamingTheField_withoutTheNumber() {
            Response r = harness.post("/payments", VALID.replace("}", ",\"metadata\":{\"note\":\"5555555555554444\"}}"))
                    .send();

            assertProblem(r, 400, "validation-error");
            assertThat(r.errorFields()).containsExactly("metadata.note");
            assertThat(r.body()).doesNotContain("5555555555554444");
        }

        /** Keys are client input too: an error names them only when they are short, plain and not secret-shaped. */
        @Test
        void cardNumberUnderATokenShapedOrLongKey_doesNotEchoTheKey() {
            String tokenKey = "tok_live_secret_9f8e7d6c";
            String longKey = "k".repeat(2000);

            Response underToken = harness.post("/payments", VALID.replace("}", ",\"metadata\":{\"" + tokenKey
                    + "\":\"5555555555554444\"}}")).send();
            Response underLong = harness.post("/payments", VALID.replace("}", ",\"metadata\":{\"" + longKey
                    + "\":\"5555555555554444\"}}")).send();

            assertThat(underToken.errorFields()).containsExactly("metadata.(a field)");
            assertThat(underToken.body()).doesNotContain(tokenKey);
            assertThat(underLong.errorFields()).containsExactly("metadata.(a field)");
            assertThat(underLong.body()).hasSizeLessThan(1000);
        }
    }

    @Nested
    class StateMachine {
        @Test
        void captureOfACapturedPayment_answers409WithTheCurrentStatus() {
            String id = harness.createPayment(createBody(2500, "USD", "tok_visa_4242", true));

            Response r = harness.post("/payments/" + id + "/capture", "{}").send();

            assertProblem(r, 409, "invalid-state");
            assertThat(r.json().get("currentStatus").asText()).isEqualTo("CAPTURED");
        }

        @Test
        void refundOfAnUncapturedPayment_answers409WithTheCurrentStatus() {
            String id = harness.createPayment(VALID);

            Response r = harness.post("/payments/" + id + "/refunds", "{\"amount\":100}").send();

            assertProblem(r, 409, "invalid-state");
            assertThat(r.json().get("currentStatus").asText()).isEqualTo("AUTHORIZED");
        }

        @Test
        void refundAboveTheRefundableAmount_answers409_andRefundsNothing() {
            String id = harness.createPayment(createBody(2500, "USD", "tok_visa_4242", true));
            harness.post("/payments/" + id + "/refunds", "{\"amount\":2000}").send();

            Response r = harness.post("/payments/" + id + "/refunds", "{\"amount\":501}").send();

            assertProblem(r, 409, "invalid-state");
            assertThat(r.json().get("detail").asText()).contains("refundable");
            assertThat(harness.get("/payments/" + id).send().json().get("refundableAmount").asLong()).isEqualTo(500);
        }

        @Test
        void partialCapture_capturesTheRequestedAmount() {
            String id = harness.createPayment(VALID);

            Response r = harness.post("/payments/" + id + "/capture", "{\"amount\":1000}").send();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("capturedAmount").asLong()).isEqualTo(1000);
            assertThat(r.json().get("authorizedAmount").asLong()).isEqualTo(2500);
        }
    }

    @Nested
    class Listing {
        @Test
        void pagesOfTwo_returnAllFivePaymentsNewestFirst_withoutDuplicates() {
            List<String> created = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                created.add(harness.createPayment(createBody(100 + i, "USD", "tok_visa_4242", false)));
                harness.clock.advance(Duration.ofSeconds(1));
            }

            List<String> seen = new ArrayList<>();
            List<Integer> pageSizes = new ArrayList<>();
            String cursor = null;
            do {
                HandlerHarness.Request request = harness.get("/payments").query("limit", "2");
                if (cursor != null) {
                    request.query("cursor", cursor);
                }
                Response page = request.send();
                assertThat(page.status()).as(page.toString()).isEqualTo(200);
                JsonNode items = page.json().get("items");
                pageSizes.add(items.size());
                items.forEach(p -> seen.add(p.get("id").asText()));
                cursor = page.json().get("nextCursor").isNull() ? null : page.json().get("nextCursor").asText();
            } while (cursor != null && pageSizes.size() < 10);

            assertThat(pageSizes.subList(0, 2)).containsExactly(2, 2);
            assertThat(pageSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);
            assertThat(new HashSet<>(seen)).hasSameSizeAs(seen);
            assertThat(seen).containsExactlyElementsOf(created.reversed());
        }

        @Test
        void cursorOfAnotherMerchant_answers400() {
            for (int i = 0; i < 3; i++) {
                harness.createPayment(VALID.replace("2500", String.valueOf(2500 + i)));
            }
            String cursor = harness.get("/payments").query("limit", "1").send().json().get("nextCursor").asText();

            Response r = harness.get("/payments").query("limit", "1").query("cursor", cursor)
                    .merchant(OTHER_MERCHANT).send();

            assertProblem(r, 400, "validation-error");
            assertThat(r.errorFields()).containsExactly("cursor");
            assertThat(r.body()).doesNotContain(cursor);
        }

        @ParameterizedTest
        @ValueSource(strings = {"0", "101", "-1", "ten", "", "2.5", "99999999999"})
        void limitOutside1To100_answers400(String limit) {
            Response r = harness.get("/payments").query("limit", limit).send();

            assertProblem(r, 400, "validation-error");
            assertThat(r.errorFields()).containsExactly("limit");
        }

        @Test
        void listing_showsOnlyTheCallersPayments() {
            harness.createPayment(VALID);
            harness.post("/payments", VALID).merchant(OTHER_MERCHANT).send();

            JsonNode items = harness.get("/payments").send().json().get("items");

            assertThat(items).hasSize(1);
        }
    }

    @Nested
    class ProcessorOutcomes {
        @Test
        void decline_answers402_andThePaymentIsDeclined() {
            Response r = harness.post("/payments", createBody(2500, "USD", "tok_decline_insufficient_funds", false))
                    .send();

            assertProblem(r, 402, "payment-declined");
            String id = r.json().get("paymentId").asText();
            assertThat(r.json().get("declineReason").asText()).isNotBlank();
            assertThat(r.header("Location")).isEqualTo("/payments/" + id);
            assertThat(harness.get("/payments/" + id).send().json().get("status").asText()).isEqualTo("DECLINED");
        }

        @Test
        void processorError_answers502WithTheCorrelationId_andThePaymentIsFailed() {
            HandlerHarness.Request request = harness.post("/payments", createBody(2500, "USD", "tok_error_gateway", false));
            var event = request.event();

            Response r = harness.send(event);

            assertProblem(r, 502, "processor-error");
            assertThat(r.json().get("correlationId").asText()).isEqualTo(event.getRequestContext().getRequestId());
            String id = r.json().get("paymentId").asText();
            assertThat(harness.get("/payments/" + id).send().json().get("status").asText()).isEqualTo("FAILED");
        }

        @Test
        void processorTimeout_answers202WithAPendingPayment() {
            Response r = harness.post("/payments", createBody(2500, "USD", "tok_timeout_slow", false)).send();

            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.json().get("status").asText()).isEqualTo("PENDING");
            assertThat(r.json().get("pendingOperation").asText()).isEqualTo("AUTHORIZE");
            assertThat(r.header("Location")).isEqualTo("/payments/" + r.json().get("id").asText());
        }
    }

    static void assertProblem(Response r, int status, String typeSlug) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
        JsonNode problem = r.json();
        assertThat(problem.get("type").asText()).isEqualTo(Problems.TYPE_BASE + typeSlug);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asText()).isNotBlank();
    }
}
