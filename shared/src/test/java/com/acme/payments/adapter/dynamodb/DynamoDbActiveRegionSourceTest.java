package com.acme.payments.adapter.dynamodb;

import com.acme.payments.domain.DependencyException;
import com.acme.payments.port.ActiveRegion;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DynamoDbActiveRegionSourceTest {
    private static Map<String, AttributeValue> item(String active, String epoch, String changedAt, String next) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(TableKeys.ACTIVE_REGION_PK));
        item.put("sk", AttributeValue.fromS(TableKeys.ACTIVE_REGION_SK));
        if (active != null) {
            item.put("activeRegion", AttributeValue.fromS(active));
        }
        if (epoch != null) {
            item.put("epoch", AttributeValue.fromN(epoch));
        }
        if (changedAt != null) {
            item.put("changedAt", AttributeValue.fromS(changedAt));
        }
        if (next != null) {
            item.put("nextRegion", AttributeValue.fromS(next));
        }
        return item;
    }

    @Test
    void parsesAnActiveAndAFencedRecord() {
        assertThat(DynamoDbActiveRegionSource.parse(item("us-east-2", "7", "2026-05-01T10:00:00Z", null)))
                .isEqualTo(new ActiveRegion("us-east-2", 7, Instant.parse("2026-05-01T10:00:00Z"), null));
        ActiveRegion fenced = DynamoDbActiveRegionSource.parse(item("none", "8", "2026-05-01T10:01:00Z", "us-east-1"));
        assertThat(fenced.region()).isNull();
        assertThat(fenced.nextRegion()).isEqualTo("us-east-1");
        assertThat(fenced.isActive("us-east-1")).isFalse();
    }

    @Test
    void aMalformedRecord_failsClosed_withoutEchoingIt() {
        for (Map<String, AttributeValue> bad : java.util.List.of(
                item(null, "1", "2026-05-01T10:00:00Z", null),
                item("us-east-1", null, "2026-05-01T10:00:00Z", null),
                item("us-east-1", "-1", "2026-05-01T10:00:00Z", null),
                item("US-EAST-1", "1", "2026-05-01T10:00:00Z", null),
                item("us-east-1", "1", "yesterday", null),
                item("none", "1", "2026-05-01T10:00:00Z", "nowhere"))) {
            assertThatThrownBy(() -> DynamoDbActiveRegionSource.parse(bad))
                    .isInstanceOf(DependencyException.class)
                    .satisfies(e -> assertThat(((DependencyException) e).retryable()).isFalse())
                    .hasMessageStartingWith("the active-region record is malformed");
        }
    }
}
