package com.acme.payments.bench;

import com.acme.payments.function.FunctionWiring;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What the regional stack and the deploy script provide, made directly in the emulator: a payments table (schema of
 * docs/architecture.md) and the SSM parameters under {@code /payments/<env>/}, with the processor endpoint given.
 */
final class BenchDeployment implements AutoCloseable {
    static final String REGION = "us-east-1";
    final String env;
    final String table;
    final String parameterPath;
    final String apiKey;
    final String endpoint;
    final DynamoDbClient dynamoDb;
    final SsmClient ssm;

    BenchDeployment(String endpoint, String purpose, String processorUrl) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        this.endpoint = endpoint;
        this.env = "bench" + purpose + suffix;
        this.table = "payments-" + env;
        this.parameterPath = "/payments/" + env + "/";
        this.apiKey = "bench-processor-key-" + UUID.randomUUID();
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        this.dynamoDb = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(REGION)).credentialsProvider(credentials).endpointOverride(URI.create(endpoint)).build();
        this.ssm = SsmClient.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(REGION)).credentialsProvider(credentials).endpointOverride(URI.create(endpoint)).build();
        createTable();
        put("processor/endpoint", processorUrl, ParameterType.STRING);
        put("processor/api-key", apiKey, ParameterType.SECURE_STRING);
        put("processor/timeout-ms", "3000", ParameterType.STRING);
        put("currency-limits", "{\"USD\":1000000,\"EUR\":1000000,\"JPY\":100000000}", ParameterType.STRING);
    }

    private void createTable() {
        dynamoDb.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute("pk"), attribute("sk"), attribute("gsi1pk"), attribute("gsi1sk"))
                .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("merchant-created-index")
                        .keySchema(key("gsi1pk", KeyType.HASH), key("gsi1sk", KeyType.RANGE))
                        .projection(p -> p.projectionType(ProjectionType.ALL)).build()));
        dynamoDb.waiter().waitUntilTableExists(b -> b.tableName(table));
        dynamoDb.updateTimeToLive(b -> b.tableName(table)
                .timeToLiveSpecification(t -> t.enabled(true).attributeName("expiresAt")));
        // The active-region record the deploy's active-region step writes: without it no region takes writes.
        dynamoDb.putItem(b -> b.tableName(table).item(Map.of(
                "pk", AttributeValue.fromS("FENCE#active-region"), "sk", AttributeValue.fromS("FENCE"),
                "activeRegion", AttributeValue.fromS(REGION), "epoch", AttributeValue.fromN("1"),
                "version", AttributeValue.fromN("1"), "changedAt", AttributeValue.fromS(java.time.Instant.now().toString()))));
    }

    void put(String name, String value, ParameterType type) {
        ssm.putParameter(b -> b.name(parameterPath + name).value(value).type(type).overwrite(true));
    }

    /** The function's environment as template.yaml sets it, plus the emulator endpoint. */
    Map<String, String> functionEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(FunctionWiring.TABLE_NAME, table);
        env.put(FunctionWiring.PARAMETER_PATH, parameterPath);
        env.put(FunctionWiring.REGION_ROLE, "primary");
        env.put("AWS_REGION", REGION);
        env.put("AWS_ENDPOINT_URL", endpoint);
        return env;
    }

    @Override
    public void close() {
        try {
            dynamoDb.deleteTable(b -> b.tableName(table));
            ssm.deleteParameters(b -> b.names(parameterPath + "processor/endpoint", parameterPath + "processor/api-key",
                    parameterPath + "processor/timeout-ms", parameterPath + "currency-limits"));
        } catch (RuntimeException e) {
            System.err.println("cleanup of " + env + " failed (the emulator is stopped anyway): " + e);
        }
        dynamoDb.close();
        ssm.close();
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
