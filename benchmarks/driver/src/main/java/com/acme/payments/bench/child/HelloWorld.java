package com.acme.payments.bench.child;

/** The floor: a JVM that does nothing on the same JDK with the same flags, speaking the same marker protocol. */
public final class HelloWorld {
    private HelloWorld() {
    }

    public static void main(String[] args) {
        System.out.println("hello, world");
        Probe.initDone();
        Probe.firstResponse(200);
    }
}
