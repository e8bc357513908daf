package com.acme.payments.adapter;

import com.acme.payments.testsupport.LocalAws;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proves the two properties every other integration test and the two-region design lean on: the endpoint
 * models the AWS calls the adapters make (SecureString with decryption, conditional writes), and it keeps
 * us-east-1 and us-east-2 apart. If regions leaked into each other, a green run of the failover and
 * replication tests would prove nothing.
 */
class TwoRegionIsolationIT {

    private static final Region PRIMARY = Region.US_EAST_1;
    private static final Region SECONDARY = Region.US_EAST_2;
    private static final String NOT_YET_WRITTEN = "attribute_not_exists(pk)";

    private final String suffix = LocalAws.uniqueSuffix();
    /** Same shape as the real parameter path, under a per-test environment name. */
    private final String parameterPath = "/payments/it" + suffix + "/";

    private final Map<Region, SsmClient> ssm = new LinkedHashMap<>();
    private final Map<Region, DynamoDbClient> dynamoDb = new LinkedHashMap<>();
    private final List<Map.Entry<Region, String>> createdParameters = new ArrayList<>();
    private final List<Map.Entry<Region, String>> createdTables = new ArrayList<>();

    @BeforeEach
    void clients() {
        for (Region region : List.of(PRIMARY, SECONDARY)) {
            ssm.put(region, LocalAws.ssm(region));
            dynamoDb.put(region, LocalAws.dynamoDb(region));
        }
    }

    @AfterEach
    void cleanUp() {
        for (Map.Entry<Region, String> parameter : createdParameters) {
            try {
                ssm.get(parameter.getKey()).deleteParameter(b -> b.name(parameter.getValue()));
            } catch (ParameterNotFoundException alreadyGone) {
                // nothing to clean up
            }
        }
        for (Map.Entry<Region, String> table : createdTables) {
            LocalAws.deleteTableQuietly(dynamoDb.get(table.getKey()), table.getValue());
        }
        ssm.values().forEach(SsmClient::close);
        dynamoDb.values().forEach(DynamoDbClient::close);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"us-east-1", "us-east-2"})
    void secureString_readsBackDecrypted(String regionId) {
        Region region = Region.of(regionId);
        String name = parameterPath + "processor/api-key";
        String secret = "sk_test_" + suffix + "_" + regionId;

        putSecureString(region, name, secret);

        var parameter = ssm.get(region).getParameter(b -> b.name(name).withDecryption(true)).parameter();
        assertThat(parameter.name()).isEqualTo(name);
        assertThat(parameter.type()).isEqualTo(ParameterType.SECURE_STRING);
        assertThat(parameter.value()).isEqualTo(secret);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"us-east-1", "us-east-2"})
    void conditionalPut_acceptsFirstWrite_rejectsSecondAndKeepsFirstValue(String regionId) {
        Region region = Region.of(regionId);
        DynamoDbClient client = dynamoDb.get(region);
        String table = createTable(region, "payments-it" + suffix);
        Map<String, AttributeValue> key = paymentKey("p-" + suffix);

        client.putItem(b -> b.tableName(table).item(payment(key, "AUTHORIZED")).conditionExpression(NOT_YET_WRITTEN));

        assertThatThrownBy(() -> client.putItem(b -> b.tableName(table)
                .item(payment(key, "CAPTURED"))
                .conditionExpression(NOT_YET_WRITTEN)))
                .isInstanceOf(ConditionalCheckFailedException.class);
        // A rejected conditional write must leave the stored item untouched, or idempotency is broken.
        assertThat(statusOf(region, table, key)).isEqualTo("AUTHORIZED");
    }

    @Test
    void parameter_writtenInOneRegion_isNotFoundInTheOther() {
        String primaryOnly = parameterPath + "primary-only";
        String secondaryOnly = parameterPath + "secondary-only";
        putSecureString(PRIMARY, primaryOnly, "written-in-us-east-1-" + suffix);
        putSecureString(SECONDARY, secondaryOnly, "written-in-us-east-2-" + suffix);

        assertThatThrownBy(() -> ssm.get(SECONDARY).getParameter(b -> b.name(primaryOnly).withDecryption(true)))
                .isInstanceOf(ParameterNotFoundException.class);
        assertThatThrownBy(() -> ssm.get(PRIMARY).getParameter(b -> b.name(secondaryOnly).withDecryption(true)))
                .isInstanceOf(ParameterNotFoundException.class);
        // Each is still readable where it was written, so the misses above are isolation, not lost writes.
        assertThat(secureStringValue(PRIMARY, primaryOnly)).isEqualTo("written-in-us-east-1-" + suffix);
        assertThat(secureStringValue(SECONDARY, secondaryOnly)).isEqualTo("written-in-us-east-2-" + suffix);
    }

    @Test
    void parameter_sameNameInBothRegions_keepsEachRegionsValue() {
        String name = parameterPath + "processor/endpoint";
        putSecureString(PRIMARY, name, "https://processor.us-east-1.example/" + suffix);
        putSecureString(SECONDARY, name, "https://processor.us-east-2.example/" + suffix);

        assertThat(secureStringValue(PRIMARY, name)).isEqualTo("https://processor.us-east-1.example/" + suffix);
        assertThat(secureStringValue(SECONDARY, name)).isEqualTo("https://processor.us-east-2.example/" + suffix);
    }

    @Test
    void table_createdInPrimary_doesNotExistInSecondary() {
        String table = createTable(PRIMARY, "payments-it" + suffix);

        assertThat(dynamoDb.get(PRIMARY).describeTable(b -> b.tableName(table)).table().tableName())
                .isEqualTo(table);
        assertThatThrownBy(() -> dynamoDb.get(SECONDARY).describeTable(b -> b.tableName(table)))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> dynamoDb.get(SECONDARY).putItem(b -> b.tableName(table)
                .item(payment(paymentKey("p-" + suffix), "AUTHORIZED"))))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void item_inOneRegionsTable_isAbsentFromTheSameNamedTableInTheOther() {
        String table = "payments-it" + suffix;
        createTable(PRIMARY, table);
        createTable(SECONDARY, table);
        Map<String, AttributeValue> key = paymentKey("p-" + suffix);

        dynamoDb.get(PRIMARY).putItem(b -> b.tableName(table)
                .item(payment(key, "AUTHORIZED")).conditionExpression(NOT_YET_WRITTEN));

        assertThat(dynamoDb.get(SECONDARY).getItem(b -> b.tableName(table).key(key).consistentRead(true)).hasItem())
                .as("item written in us-east-1 must not be visible in us-east-2")
                .isFalse();
        // The condition is evaluated against us-east-2's own data, so the same key is still free there.
        dynamoDb.get(SECONDARY).putItem(b -> b.tableName(table)
                .item(payment(key, "VOIDED")).conditionExpression(NOT_YET_WRITTEN));

        assertThat(statusOf(PRIMARY, table, key)).isEqualTo("AUTHORIZED");
        assertThat(statusOf(SECONDARY, table, key)).isEqualTo("VOIDED");
    }

    // --- helpers -----------------------------------------------------------------------------------

    private void putSecureString(Region region, String name, String value) {
        ssm.get(region).putParameter(b -> b.name(name).value(value).type(ParameterType.SECURE_STRING));
        createdParameters.add(Map.entry(region, name));
    }

    private String secureStringValue(Region region, String name) {
        return ssm.get(region).getParameter(b -> b.name(name).withDecryption(true)).parameter().value();
    }

    private String createTable(Region region, String name) {
        // Registered before creation so a table left half-created by a failing call is still deleted.
        createdTables.add(Map.entry(region, name));
        return LocalAws.createPaymentsTable(dynamoDb.get(region), name);
    }

    private String statusOf(Region region, String table, Map<String, AttributeValue> key) {
        var response = dynamoDb.get(region).getItem(b -> b.tableName(table).key(key).consistentRead(true));
        assertThat(response.hasItem()).as("item %s in %s/%s", key, region, table).isTrue();
        return response.item().get("status").s();
    }

    private static Map<String, AttributeValue> paymentKey(String paymentId) {
        return Map.of(
                "pk", AttributeValue.fromS("PAYMENT#" + paymentId),
                "sk", AttributeValue.fromS("PAYMENT"));
    }

    private static Map<String, AttributeValue> payment(Map<String, AttributeValue> key, String status) {
        Map<String, AttributeValue> item = new LinkedHashMap<>(key);
        item.put("status", AttributeValue.fromS(status));
        item.put("version", AttributeValue.fromN("1"));
        return item;
    }
}
