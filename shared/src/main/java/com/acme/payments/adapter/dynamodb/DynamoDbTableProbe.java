package com.acme.payments.adapter.dynamodb;

import com.acme.payments.port.HealthProbe;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/**
 * Health: one eventually consistent GetItem of a key no writer uses. Give it a client without retries and with
 * short timeouts (FunctionWiring builds one for health alone), or health inherits the request path's retries.
 */
public final class DynamoDbTableProbe implements HealthProbe {
    private final DynamoDbClient dynamoDb;
    private final String tableName;

    public DynamoDbTableProbe(DynamoDbClient dynamoDb, String tableName) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
    }

    @Override
    public String name() {
        return "table";
    }

    @Override
    public void check() {
        dynamoDb.getItem(b -> b.tableName(tableName).key(Map.of(
                TableKeys.PK, AttributeValue.fromS(TableKeys.HEALTH_PK),
                TableKeys.SK, AttributeValue.fromS(TableKeys.HEALTH_SK))));
    }
}
