package com.acme.payments.adapter.dynamodb;

import com.acme.payments.domain.ConcurrentUpdateException;
import com.acme.payments.domain.Payment;
import com.acme.payments.port.InvalidCursorException;
import com.acme.payments.port.PaymentStore;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link PaymentStore} on the single payments table. SDK failures become {@link DependencyException}. */
public final class DynamoDbPaymentStore implements PaymentStore {
    private final DynamoDbClient dynamoDb;
    private final String tableName;

    public DynamoDbPaymentStore(DynamoDbClient dynamoDb, String tableName) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
    }

    @Override
    public void create(Payment payment) {
        try {
            dynamoDb.putItem(b -> b.tableName(tableName).item(PaymentItemMapper.toItem(payment))
                    .conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            throw new ConcurrentUpdateException(payment.id());
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("create payment", e);
        }
    }

    @Override
    public Optional<Payment> find(String paymentId) {
        try {
            GetItemResponse response = dynamoDb.getItem(b -> b.tableName(tableName).consistentRead(true)
                    .key(key(paymentId)));
            return response.hasItem() && !response.item().isEmpty()
                    ? Optional.of(PaymentItemMapper.fromItem(response.item()))
                    : Optional.empty();
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("read payment", e);
        }
    }

    @Override
    public void update(Payment payment, long expectedVersion) {
        try {
            dynamoDb.putItem(b -> b.tableName(tableName).item(PaymentItemMapper.toItem(payment))
                    .conditionExpression("#v = :expected")
                    .expressionAttributeNames(Map.of("#v", "version"))
                    .expressionAttributeValues(Map.of(":expected", PaymentItemMapper.n(expectedVersion))));
        } catch (ConditionalCheckFailedException e) {
            throw new ConcurrentUpdateException(payment.id());
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("update payment", e);
        }
    }

    @Override
    public Page list(String merchantId, int limit, String cursor) {
        String partition = TableKeys.merchantPk(merchantId);
        QueryRequest.Builder request = QueryRequest.builder().tableName(tableName)
                .indexName(TableKeys.MERCHANT_INDEX)
                .keyConditionExpression("#p = :p")
                .expressionAttributeNames(Map.of("#p", TableKeys.GSI1_PK))
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(partition)))
                .scanIndexForward(false)
                .limit(limit);
        if (cursor != null) {
            request.exclusiveStartKey(decodeCursor(cursor, partition));
        }
        try {
            QueryResponse response = dynamoDb.query(request.build());
            List<Payment> items = new ArrayList<>(response.count());
            for (Map<String, AttributeValue> item : response.items()) {
                items.add(PaymentItemMapper.fromItem(item));
            }
            String next = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? encodeCursor(response.lastEvaluatedKey()) : null;
            return new Page(items, next);
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("list payments", e);
        }
    }

    @Override
    public List<String> duePending(Instant now, int limit) {
        QueryRequest request = QueryRequest.builder().tableName(tableName)
                .indexName(TableKeys.PENDING_INDEX)
                // Sort keys are "<due time>#<id>": everything due up to and including this millisecond.
                .keyConditionExpression("#p = :p AND #s < :after")
                .expressionAttributeNames(Map.of("#p", TableKeys.GSI2_PK, "#s", TableKeys.GSI2_SK))
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(TableKeys.PENDING_PARTITION),
                        ":after", AttributeValue.fromS(PaymentItemMapper.SORTABLE_TIME.format(now) + "$")))
                .limit(limit)
                .build();
        try {
            // The index projects keys only (it exists to find work, not to serve it): the id is in the key.
            return dynamoDb.query(request).items().stream()
                    .map(item -> TableKeys.paymentIdOf(item.get(TableKeys.PK).s())).toList();
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("list pending payments", e);
        }
    }

    @Override
    public void deferReconciliation(String paymentId, long version, Instant notBefore) {
        try {
            // Only the index attribute moves; the payment and its version stay as they are, so a request that
            // writes the payment meanwhile is never refused for it, and its write sets the due time afresh.
            dynamoDb.updateItem(b -> b.tableName(tableName).key(key(paymentId))
                    .updateExpression("SET #s = :due")
                    .conditionExpression("attribute_exists(#p) AND #v = :v")
                    .expressionAttributeNames(Map.of("#s", TableKeys.GSI2_SK, "#p", TableKeys.GSI2_PK, "#v", "version"))
                    .expressionAttributeValues(Map.of(":due", PaymentItemMapper.pendingSortKey(notBefore, paymentId),
                            ":v", AttributeValue.fromN(Long.toString(version)))));
        } catch (ConditionalCheckFailedException changedOrSettled) {
            // Written since (its due time is fresh) or no longer pending: nothing to defer.
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("defer reconciliation", e);
        }
    }


    /**
     * The size DynamoDB bills and limits (400 KB) for this payment's item: attribute names plus values, UTF-8.
     * The domain bounds every list on a payment, so this stays far below the limit; the simulator checks it.
     */
    public static int itemSizeBytes(Payment payment) {
        return ItemSize.of(PaymentItemMapper.toItem(payment));
    }

    /** Opaque cursor: the four key attributes of the last item, base64url encoded. */
    static String encodeCursor(Map<String, AttributeValue> lastKey) {
        String raw = String.join("\n", lastKey.get(TableKeys.PK).s(), lastKey.get(TableKeys.SK).s(),
                lastKey.get(TableKeys.GSI1_PK).s(), lastKey.get(TableKeys.GSI1_SK).s());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, AttributeValue> decodeCursor(String cursor, String expectedPartition) {
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\n", -1);
        } catch (IllegalArgumentException e) {
            throw new InvalidCursorException();
        }
        // A cursor from another merchant's listing would start this query in their partition: refuse it.
        // DynamoDB refuses an empty key attribute in ExclusiveStartKey (a 500 for a bad cursor): refuse it first.
        if (parts.length != 4 || !parts[2].equals(expectedPartition) || !parts[0].startsWith("PAYMENT#")
                || java.util.Arrays.stream(parts).anyMatch(String::isEmpty)) {
            throw new InvalidCursorException();
        }
        return Map.of(TableKeys.PK, AttributeValue.fromS(parts[0]), TableKeys.SK, AttributeValue.fromS(parts[1]),
                TableKeys.GSI1_PK, AttributeValue.fromS(parts[2]), TableKeys.GSI1_SK, AttributeValue.fromS(parts[3]));
    }

    private static Map<String, AttributeValue> key(String paymentId) {
        return Map.of(TableKeys.PK, AttributeValue.fromS(TableKeys.paymentPk(paymentId)),
                TableKeys.SK, AttributeValue.fromS(TableKeys.PAYMENT_SK));
    }
}
