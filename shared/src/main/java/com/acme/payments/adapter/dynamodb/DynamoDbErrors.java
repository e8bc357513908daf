package com.acme.payments.adapter.dynamodb;

import com.acme.payments.domain.DependencyException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** The one mapping of DynamoDB SDK failures to {@link DependencyException}, shared by every store on the table. */
final class DynamoDbErrors {
    private DynamoDbErrors() {
    }

    /**
     * Client-side failures (connection refused or reset, timeouts) and throttling are transient: 503. A service
     * error that is not retryable (e.g. a malformed request) is our fault: 500.
     */
    static DependencyException failure(String what, SdkException e) {
        boolean transientFailure = e instanceof SdkClientException || e.retryable() || isThrottle(e);
        return new DependencyException("DynamoDB failed to " + what + ": " + e.getClass().getSimpleName(),
                transientFailure, e);
    }

    private static boolean isThrottle(SdkException e) {
        String name = e.getClass().getSimpleName();
        return name.contains("Throughput") || name.contains("Throttl") || name.contains("RequestLimit");
    }
}
