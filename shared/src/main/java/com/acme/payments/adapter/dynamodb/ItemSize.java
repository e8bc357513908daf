package com.acme.payments.adapter.dynamodb;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** DynamoDB's item size rules (developer guide, "Item sizes and formats"), for the attribute types we write. */
final class ItemSize {
    private ItemSize() {
    }

    static int of(Map<String, AttributeValue> item) {
        int size = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += utf8(e.getKey()) + value(e.getValue());
        }
        return size;
    }

    private static int value(AttributeValue v) {
        if (v.s() != null) {
            return utf8(v.s());
        }
        if (v.n() != null) {
            // Up to 38 significant digits in about (digits / 2) + 1 bytes; 21 is DynamoDB's upper bound.
            return Math.min(21, v.n().length() / 2 + 2);
        }
        if (v.bool() != null || Boolean.TRUE.equals(v.nul())) {
            return 1;
        }
        if (v.b() != null) {
            SdkBytes b = v.b();
            return b.asByteArray().length;
        }
        if (v.hasM()) {
            return 3 + v.m().entrySet().stream().mapToInt(e -> utf8(e.getKey()) + value(e.getValue()) + 1).sum();
        }
        if (v.hasL()) {
            return 3 + v.l().stream().mapToInt(x -> value(x) + 1).sum();
        }
        return 1;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
