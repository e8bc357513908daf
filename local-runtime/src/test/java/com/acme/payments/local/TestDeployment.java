package com.acme.payments.local;

import com.acme.payments.function.FunctionWiring;
import com.acme.payments.testsupport.LocalAws;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.util.Map;

/**
 * What the regional stack and the deploy script provide, made directly in the emulator for one test class: a
 * uniquely named payments table with this region recorded as the active one, and the SSM parameters under a
 * unique {@code /payments/<env>/} path.
 */
final class TestDeployment {
    static final String API_KEY_PREFIX = "it-processor-key-";
    final String env;
    final String region;
    final String table;
    final String parameterPath;
    final String apiKey;
    final DynamoDbClient dynamoDb;
    final SsmClient ssm;

    TestDeployment(Region region, String processorUrl, long processorTimeoutMillis) {
        String endpoint = LocalAws.endpoint();
        // The handler builds its own SDK clients from the default chains; point them at the emulator.
        System.setProperty("aws.endpointUrl", endpoint);
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        this.env = "it" + LocalAws.uniqueSuffix();
        this.region = region.id();
        this.table = "payments-" + env;
        this.parameterPath = "/payments/" + env + "/";
        this.apiKey = API_KEY_PREFIX + LocalAws.uniqueSuffix();
        this.dynamoDb = LocalAws.dynamoDb(region);
        this.ssm = LocalAws.ssm(region);
        LocalAws.createPaymentsTable(dynamoDb, table);
        LocalAws.recordActiveRegion(dynamoDb, table, this.region, 1);
        put("processor/endpoint", processorUrl, ParameterType.STRING);
        put("processor/api-key", apiKey, ParameterType.SECURE_STRING);
        put("processor/timeout-ms", Long.toString(processorTimeoutMillis), ParameterType.STRING);
        put("currency-limits", "{\"USD\":1000000,\"EUR\":1000000,\"JPY\":100000000}", ParameterType.STRING);
    }

    void put(String name, String value, ParameterType type) {
        ssm.putParameter(b -> b.name(parameterPath + name).value(value).type(type).overwrite(true));
    }

    Map<String, String> functionEnv(long configTtlSeconds) {
        return Map.of(FunctionWiring.TABLE_NAME, table, FunctionWiring.PARAMETER_PATH, parameterPath,
                FunctionWiring.REGION_ROLE, "primary", FunctionWiring.CONFIG_TTL, Long.toString(configTtlSeconds),
                "AWS_REGION", region);
    }
}
