package com.acme.payments.adapter.dynamodb;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.ActiveRegion;
import com.acme.payments.port.ActiveRegionSource;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The active-region record as an item of the payments table, read from this region's replica with a strongly
 * consistent GetItem (docs/architecture.md, "Items"):
 * <pre>
 * pk = FENCE#active-region, sk = FENCE
 * activeRegion (S, "none" while fenced) · epoch (N) · version (N, = epoch) · changedAt (S, ISO-8601) · nextRegion (S, optional)
 * </pre>
 * Why an item of the global table: the function already reads the table in its own region (no new permission,
 * no cross-region call), a GetItem is cheap enough to repeat every few seconds in every execution environment,
 * and the record travels by the same replication as the data. After an emergency failover written only in the
 * new region, the old region therefore learns it was replaced as soon as its replication resumes, without an
 * operator reaching it. {@code version} mirrors the epoch for the local replicator (newest version wins).
 */
public final class DynamoDbActiveRegionSource implements ActiveRegionSource {
    static final String NONE = "none";
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

    private final DynamoDbClient dynamoDb;
    private final String tableName;

    public DynamoDbActiveRegionSource(DynamoDbClient dynamoDb, String tableName) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
    }

    @Override
    public Optional<ActiveRegion> read() {
        Map<String, AttributeValue> item;
        try {
            item = dynamoDb.getItem(b -> b.tableName(tableName).consistentRead(true).key(Map.of(
                    TableKeys.PK, AttributeValue.fromS(TableKeys.ACTIVE_REGION_PK),
                    TableKeys.SK, AttributeValue.fromS(TableKeys.ACTIVE_REGION_SK)))).item();
        } catch (SdkException e) {
            throw DynamoDbErrors.failure("read the active-region record", e);
        }
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parse(item));
    }

    static ActiveRegion parse(Map<String, AttributeValue> item) {
        try {
            String active = string(item, "activeRegion");
            long epoch = Long.parseLong(item.get("epoch").n());
            Instant changedAt = Instant.parse(string(item, "changedAt"));
            String next = item.containsKey("nextRegion") ? string(item, "nextRegion") : null;
            if (active == null || epoch < 0 || !(active.equals(NONE) || REGION.matcher(active).matches())
                    || next != null && !REGION.matcher(next).matches()) {
                throw new IllegalArgumentException("bad region or epoch");
            }
            return new ActiveRegion(active.equals(NONE) ? null : active, epoch, changedAt, next);
        } catch (RuntimeException e) {
            // Fail closed: a record nobody can read must not be taken for "active". Needs an operator.
            throw new DependencyException("the active-region record is malformed ("
                    + e.getClass().getSimpleName() + ")", false, e);
        }
    }

    private static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }
}
