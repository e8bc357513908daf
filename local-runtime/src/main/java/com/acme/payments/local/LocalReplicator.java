package com.acme.payments.local;

import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for DynamoDB global-table replication, which the emulator does not model: every half second it copies
 * items between the two regions' tables, newest {@code version} wins (last writer wins, as in global tables).
 * Like the real thing it is asynchronous, so a read in the other region right after a write may miss it.
 * Local loop only.
 */
final class LocalReplicator implements AutoCloseable {
    private final DynamoDbClient a;
    private final DynamoDbClient b;
    private final String table;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "local-replicator");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param endpointA the AWS endpoint for region A (the runtime passes the region's cuttable link, so that a
     *                  region outage stops replication too), or null for the SDK's default
     */
    LocalReplicator(String regionA, URI endpointA, String regionB, URI endpointB, String table) {
        this.a = client(regionA, endpointA);
        this.b = client(regionB, endpointB);
        this.table = table;
        timer.scheduleWithFixedDelay(this::syncOnce, 500, 500, TimeUnit.MILLISECONDS);
    }

    private static DynamoDbClient client(String region, URI endpoint) {
        var builder = DynamoDbClient.builder().region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(1))
                        .socketTimeout(Duration.ofSeconds(5)).build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    void syncOnce() {
        try {
            Map<String, Map<String, AttributeValue>> left = scan(a);
            Map<String, Map<String, AttributeValue>> right = scan(b);
            copyNewer(left, right, b);
            copyNewer(right, left, a);
            if (lastFailure != null) {
                System.out.println("local replication: resumed after " + lastFailure);
                lastFailure = null;
            }
        } catch (RuntimeException e) {
            // The emulator may be restarting, or a region is cut off (an outage drill): the next round catches up,
            // as global-table replication does when a region comes back. Said once per kind of failure.
            String kind = e.getClass().getSimpleName();
            if (!kind.equals(lastFailure)) {
                System.out.println("local replication: paused (" + kind + "); retrying every 0.5 s");
                lastFailure = kind;
            }
        }
    }

    private String lastFailure;

    private void copyNewer(Map<String, Map<String, AttributeValue>> from, Map<String, Map<String, AttributeValue>> to,
                           DynamoDbClient target) {
        List<WriteRequest> pending = new ArrayList<>();
        for (Map.Entry<String, Map<String, AttributeValue>> e : from.entrySet()) {
            if (shouldCopy(e.getValue(), to.get(e.getKey()))) {
                pending.add(WriteRequest.builder().putRequest(p -> p.item(e.getValue())).build());
            }
        }
        // In batches of 25 (BatchWriteItem's limit): a region coming back after an outage has a backlog of
        // hundreds of items, and one PutItem each would take the copier tens of seconds on a busy machine.
        for (int i = 0; i < pending.size(); i += 25) {
            List<WriteRequest> batch = pending.subList(i, Math.min(pending.size(), i + 25));
            Map<String, List<WriteRequest>> unprocessed = Map.of(table, batch);
            for (int attempt = 0; !unprocessed.isEmpty() && !unprocessed.getOrDefault(table, List.of()).isEmpty()
                    && attempt < 5; attempt++) {
                Map<String, List<WriteRequest>> request = unprocessed;
                unprocessed = target.batchWriteItem(r -> r.requestItems(request)).unprocessedItems();
            }
            if (!unprocessed.isEmpty() && !unprocessed.getOrDefault(table, List.of()).isEmpty()) {
                throw new IllegalStateException("items left unprocessed; next round");
            }
        }
    }

    /**
     * Payments and the active-region record: the higher version wins (the record's version is its epoch).
     * Idempotency records: absent, or completed over in-progress.
     */
    static boolean shouldCopy(Map<String, AttributeValue> source, Map<String, AttributeValue> target) {
        if (target == null) {
            return true;
        }
        if (source.containsKey("version") || target.containsKey("version")) {
            return version(source) > version(target);
        }
        return source.containsKey("statusCode") && !target.containsKey("statusCode");
    }

    private static long version(Map<String, AttributeValue> item) {
        AttributeValue v = item.get("version");
        return v == null || v.n() == null ? -1 : Long.parseLong(v.n());
    }

    private Map<String, Map<String, AttributeValue>> scan(DynamoDbClient client) {
        Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        Map<String, AttributeValue> start = null;
        do {
            ScanRequest.Builder req = ScanRequest.builder().tableName(table).consistentRead(true);
            if (start != null) {
                req.exclusiveStartKey(start);
            }
            var page = client.scan(req.build());
            for (Map<String, AttributeValue> item : page.items()) {
                items.put(item.get("pk").s() + "|" + item.get("sk").s(), item);
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return items;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        List.of(a, b).forEach(DynamoDbClient::close);
    }
}
