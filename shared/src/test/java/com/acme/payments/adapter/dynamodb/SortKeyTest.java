package com.acme.payments.adapter.dynamodb;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class SortKeyTest {
    @Test
    void listingSortKey_ordersAsText_exactlyAsTheInstantsOrder() {
        Instant whole = Instant.parse("2026-11-28T10:15:30Z");
        Instant later = Instant.parse("2026-11-28T10:15:30.5Z");
        Instant latest = Instant.parse("2026-11-28T10:15:30.500000001Z");

        String a = PaymentItemMapper.SORTABLE_TIME.format(whole);
        String b = PaymentItemMapper.SORTABLE_TIME.format(later);
        String c = PaymentItemMapper.SORTABLE_TIME.format(latest);

        // Instant.toString() would give "…30Z" > "…30.5Z" as text: the bug this format prevents.
        assertThat(whole.toString().compareTo(later.toString())).isPositive();
        assertThat(a).isLessThan(b);
        assertThat(b).isLessThan(c);
        assertThat(a).isEqualTo("2026-11-28T10:15:30.000000000Z");
    }
}
