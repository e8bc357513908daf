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
    /** The request holding the claim; only it may complete, release or unlock it. */
    private static final String OWNER = "owner";

    private final DynamoDbClient dynamoDb;
    private final String tableName;

    public DynamoDbIdempotencyStore(DynamoDbClient dynamoDb, String tableName) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
    }

    @Override
    public Claim claim(String merchantId, String key, String fingerprint, String resourceId, String owner,
                       Instant now, Instant lockUntil, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>(key(merchantId, key));
        item.put("state", s(IN_PROGRESS));
        item.put("fingerprint", s(fingerprint));
        item.put("resourceId", s(resourceId));
        item.put(OWNER, s(owner));
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
            return existingClaim(merchantId, key, fingerprint, owner, now, lockUntil, expiresAt);
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("claim idempotency key", e);
        }
    }

    private Claim existingClaim(String merchantId, String key, String fingerprint, String owner, Instant now,
                                Instant lockUntil, Instant expiresAt) {
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
        if (owner.equals(str(existing, OWNER))) {
            // Our own put committed and its answer was lost; the SDK's retry then failed its condition on it.
            return new Claim.Acquired(existing.get("resourceId").s(), false);
        }
        if (lockedUntil >= now.getEpochSecond()) {
            return new Claim.InFlight();
        }
        // The first request died holding the claim. Take it over, conditionally on the lock we saw, and resume
        // on the same resource id.
        try {
            dynamoDb.updateItem(b -> b.tableName(tableName).key(key(merchantId, key))
                    // Each takeover also pushes the expiry back, so a key whose client keeps retrying unfinished
                    // work is never forgotten (and reaped) while that work may still settle.
                    .updateExpression("SET lockedUntil = :lock, #exp = :exp, #owner = :owner")
                    .conditionExpression("lockedUntil = :seen AND #st = :inprogress")
                    .expressionAttributeNames(Map.of("#st", "state", "#exp", TableKeys.EXPIRES_AT, "#owner", OWNER))
                    .expressionAttributeValues(Map.of(":lock", n(lockUntil.getEpochSecond()),
                            ":exp", n(expiresAt.getEpochSecond()), ":owner", s(owner),
                            ":seen", n(lockedUntil), ":inprogress", s(IN_PROGRESS))));
            return new Claim.Acquired(existing.get("resourceId").s(), true);
        } catch (ConditionalCheckFailedException lostRace) {
            return new Claim.InFlight();
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("take over idempotency key", e);
        }
    }

    @Override
    public boolean complete(String merchantId, String key, String owner, String outcome) {
        try {
            dynamoDb.updateItem(b -> b.tableName(tableName).key(key(merchantId, key))
                    .updateExpression("SET #st = :completed, outcome = :outcome")
                    .conditionExpression("#st = :inprogress AND #owner = :owner")
                    .expressionAttributeNames(Map.of("#st", "state", "#owner", OWNER))
                    .expressionAttributeValues(Map.of(":completed", s(COMPLETED), ":outcome", s(outcome),
                            ":inprogress", s(IN_PROGRESS), ":owner", s(owner))));
            return true;
        } catch (ConditionalCheckFailedException notOurs) {
            // Taken over by another request, or our own write committed and the SDK's retry found it done.
            Map<String, AttributeValue> item = read(merchantId, key);
            return item != null && COMPLETED.equals(str(item, "state")) && owner.equals(str(item, OWNER));
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("complete idempotency key", e);
        }
    }

    @Override
    public void release(String merchantId, String key, String owner) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(tableName).key(key(merchantId, key))
                    .conditionExpression("#st = :inprogress AND #owner = :owner")
                    .expressionAttributeNames(Map.of("#st", "state", "#owner", OWNER))
                    .expressionAttributeValues(Map.of(":inprogress", s(IN_PROGRESS), ":owner", s(owner))));
        } catch (ConditionalCheckFailedException goneOrNotOurs) {
            // Nothing of ours to release.
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("release idempotency key", e);
        }
    }

    @Override
    public void unlock(String merchantId, String key, String owner, Instant now) {
        try {
            dynamoDb.updateItem(b -> b.tableName(tableName).key(key(merchantId, key))
                    .updateExpression("SET lockedUntil = :past")
                    .conditionExpression("#st = :inprogress AND #owner = :owner")
                    .expressionAttributeNames(Map.of("#st", "state", "#owner", OWNER))
                    .expressionAttributeValues(Map.of(":past", n(now.getEpochSecond() - 1),
                            ":inprogress", s(IN_PROGRESS), ":owner", s(owner))));
        } catch (ConditionalCheckFailedException completedOrNotOurs) {
            // Nothing of ours to unlock.
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("unlock idempotency key", e);
        }
    }

    private Map<String, AttributeValue> read(String merchantId, String key) {
        try {
            Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(tableName).consistentRead(true)
                    .key(key(merchantId, key))).item();
            return item == null || item.isEmpty() ? null : item;
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("read idempotency key", e);
        }
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
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
