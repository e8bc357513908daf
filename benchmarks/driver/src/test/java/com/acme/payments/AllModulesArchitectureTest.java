package com.acme.payments;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The architecture rules over every module at once: this module's classpath holds the main classes of shared,
 * payment-function, local-runtime and the benchmark driver. ({@code shared}'s own ArchitectureTest checks the
 * core rules on shared alone, where a failure points at the culprit fastest.)
 *
 * <p>Rules are checked from {@code @ArchTest} methods, not fields: Surefire 3.5.3 skips field rules.
 */
@AnalyzeClasses(packages = "com.acme.payments", importOptions = ImportOption.DoNotIncludeTests.class)
class AllModulesArchitectureTest {

    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("com.acme.payments.(**)")
            .should().beFreeOfCycles()
            .because("data walks one way, handler -> edge -> service -> ports -> adapters; a cycle is a call back up");

    // The processor double is used by the local runtime (its HTTP stub) and by tests, never by deployed code.
    static final ArchRule NOTHING_DEPLOYED_USES_LOCAL_OR_BENCH = noClasses()
            .that().resideOutsideOfPackages("com.acme.payments.local..", "com.acme.payments.bench..",
                    "com.acme.payments.processordouble..")
            .should().dependOnClassesThat().resideInAnyPackage("com.acme.payments.local..", "com.acme.payments.bench..",
                    "com.acme.payments.processordouble..")
            .because("the local runtime and the benchmarks are never deployed; the function must not need them");

    static final ArchRule EDGE_KNOWS_NO_LAMBDA = noClasses()
            .that().resideInAnyPackage("com.acme.payments.api..")
            .should().dependOnClassesThat().resideInAnyPackage("com.amazonaws..", "software.amazon..",
                    "com.acme.payments.function..", "com.acme.payments.adapter..")
            .because("the HTTP edge works on ApiRequest/ApiResponse and ports; Lambda events and SDKs stay outside");

    static final ArchRule CORE_KNOWS_NO_EDGE = noClasses()
            .that().resideInAnyPackage("com.acme.payments.domain..", "com.acme.payments.port..",
                    "com.acme.payments.service..", "com.acme.payments.config..")
            .should().dependOnClassesThat().resideInAnyPackage("com.acme.payments.api..",
                    "com.acme.payments.function..", "com.acme.payments.adapter..", "software.amazon..",
                    "com.amazonaws..")
            .because("the core is reached from the edge and reaches out only through ports");

    @ArchTest
    static void packages_haveNoCycles_acrossAllModules(JavaClasses classes) {
        NO_PACKAGE_CYCLES.check(classes);
    }

    @ArchTest
    static void deployedCode_neverDependsOnTheLocalRuntimeOrBenchmarks(JavaClasses classes) {
        NOTHING_DEPLOYED_USES_LOCAL_OR_BENCH.check(classes);
    }

    @ArchTest
    static void httpEdge_knowsNoLambdaNoSdkNoAdapter(JavaClasses classes) {
        EDGE_KNOWS_NO_LAMBDA.check(classes);
    }

    @ArchTest
    static void core_knowsNoEdgeAndNoAdapter(JavaClasses classes) {
        CORE_KNOWS_NO_EDGE.check(classes);
    }
}
