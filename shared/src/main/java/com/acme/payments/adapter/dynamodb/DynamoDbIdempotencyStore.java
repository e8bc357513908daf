package com.acme.payments.adapter.dynamodb;

import com.acme.payments.port.IdempotencyStore;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Idempotency records in the payments table ({@code pk = IDEMPOTENCY#<merchant>#<key>}), expired by the table's
 * TTL attribute. The claim is one conditional write, so it holds under concurrency within a region. (Global table
 * replication is asynchronous: across regions the guarantee holds only with one active region at a time.)
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
    private static final String IN_PROGRESS = "IN_PROGRESS";
    private static final String COMPLETED = "COMPLETED";

    private final DynamoDbClient dynamoDb;
    private final String tableName;

    public DynamoDbIdempotencyStore(DynamoDbClient dynamoDb, String tableName) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
    }

    @Override
    public Claim claim(String merchantId, String key, String fingerprint, String resourceId, Instant now,
                       Instant lockUntil, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>(key(merchantId, key));
        item.put("state", s(IN_PROGRESS));
        item.put("fingerprint", s(fingerprint));
        item.put("resourceId", s(resourceId));
        item.put("lockedUntil", n(lockUntil.getEpochSecond()));
        item.put(TableKeys.EXPIRES_AT, n(expiresAt.getEpochSecond()));
        try {
            // New key, or a completed record whose TTL has passed but that the TTL reaper has not deleted yet. An
            // unfinished record is never overwritten, however old: its work may have moved money, so a retry
            // must resume it (takeover below), not start a second payment.
            dynamoDb.putItem(b -> b.tableName(tableName).item(item)
                    .conditionExpression("attribute_not_exists(pk) OR (#exp < :now AND #st = :completed)")
                    .expressionAttributeNames(Map.of("#exp", TableKeys.EXPIRES_AT, "#st", "state"))
                    .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond()), ":completed", s(COMPLETED))));
            return new Claim.Acquired(resourceId, false);
        } catch (ConditionalCheckFailedException taken) {
            return existingClaim(merchantId, key, fingerprint, now, lockUntil, expiresAt);
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("claim idempotency key", e);
        }
    }

    private Claim existingClaim(String merchantId, String key, String fingerprint, Instant now, Instant lockUntil,
                                Instant expiresAt) {
        Map<String, AttributeValue> existing;
        try {
            existing = dynamoDb.getItem(b -> b.tableName(tableName).consistentRead(true).key(key(merchantId, key)))
                    .item();
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("read idempotency key", e);
        }
        if (existing == null || existing.isEmpty()) {
            // Released between our write and this read: the client may simply retry.
            return new Claim.InFlight();
        }
        if (!fingerprint.equals(existing.get("fingerprint").s())) {
            return new Claim.Mismatch();
        }
        if (COMPLETED.equals(existing.get("state").s())) {
            return new Claim.Replay(existing.get("outcome").s());
        }
        long lockedUntil = Long.parseLong(existing.get("lockedUntil").n());
        if (lockedUntil >= now.getEpochSecond()) {
            return new Claim.InFlight();
        }
        // The first request died holding the claim. Take it over, conditionally on the lock we saw, and resume
        // on the same resource id.
        try {
            dynamoDb.updateItem(b -> b.tableName(tableName).key(key(merchantId, key))
                    // Each takeover also pushes the expiry back, so a key whose client keeps retrying unfinished
                    // work is never forgotten (and reaped) while that work may still settle.
                    .updateExpression("SET lockedUntil = :lock, #exp = :exp")
                    .conditionExpression("lockedUntil = :seen AND #st = :inprogress")
                    .expressionAttributeNames(Map.of("#st", "state", "#exp", TableKeys.EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":lock", n(lockUntil.getEpochSecond()),
                            ":exp", n(expiresAt.getEpochSecond()),
                            ":seen", n(lockedUntil), ":inprogress", s(IN_PROGRESS))));
            return new Claim.Acquired(existing.get("resourceId").s(), true);
        } catch (ConditionalCheckFailedException lostRace) {
            return new Claim.InFlight();
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("take over idempotency key", e);
        }
    }

    @Override
    public void complete(String merchantId, String key, String outcome) {
        try {
            dynamoDb.updateItem(b -> b.tableName(tableName).key(key(merchantId, key))
                    .updateExpression("SET #st = :completed, outcome = :outcome")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeNames(Map.of("#st", "state"))
                    .expressionAttributeValues(Map.of(":completed", s(COMPLETED), ":outcome", s(outcome))));
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("complete idempotency key", e);
        }
    }

    @Override
    public void release(String merchantId, String key) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(tableName).key(key(merchantId, key))
                    .conditionExpression("#st = :inprogress")
                    .expressionAttributeNames(Map.of("#st", "state"))
                    .expressionAttributeValues(Map.of(":inprogress", s(IN_PROGRESS))));
        } catch (ConditionalCheckFailedException alreadyGone) {
            // Nothing to release.
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("release idempotency key", e);
        }
    }

    @Override
    public void unlock(String merchantId, String key, Instant now) {
        try {
            dynamoDb.updateItem(b -> b.tableName(tableName).key(key(merchantId, key))
                    .updateExpression("SET lockedUntil = :past")
                    .conditionExpression("#st = :inprogress")
                    .expressionAttributeNames(Map.of("#st", "state"))
                    .expressionAttributeValues(Map.of(":past", n(now.getEpochSecond() - 1),
                            ":inprogress", s(IN_PROGRESS))));
        } catch (ConditionalCheckFailedException completedMeanwhile) {
            // Nothing to unlock.
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("unlock idempotency key", e);
        }
    }

    private static Map<String, AttributeValue> key(String merchantId, String key) {
        return Map.of(TableKeys.PK, s(TableKeys.idempotencyPk(merchantId, key)),
                TableKeys.SK, s(TableKeys.IDEMPOTENCY_SK));
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
