package com.acme.payments.bench;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

import java.util.ArrayList;
import java.util.List;

/**
 * Records the SDK operations made while {@link #recording} is on: a global interceptor (registered through
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors}, so it also sees the clients the handler
 * builds for itself). Used once, outside any timed loop, to check that the raw call sequence of the warm benchmark
 * matches what the handler really does. Off, it costs one volatile read per call, on both sides alike.
 */
public final class CallCounter implements ExecutionInterceptor {
    private static volatile boolean recording;
    private static final List<String> CALLS = new ArrayList<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (recording) {
            String call = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "."
                    + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            synchronized (CALLS) {
                CALLS.add(call);
            }
        }
    }

    /** Runs {@code work} and returns the SDK operations it made, in order. */
    public static List<String> record(Runnable work) {
        synchronized (CALLS) {
            CALLS.clear();
        }
        recording = true;
        try {
            work.run();
        } finally {
            recording = false;
        }
        synchronized (CALLS) {
            return List.copyOf(CALLS);
        }
    }
}
