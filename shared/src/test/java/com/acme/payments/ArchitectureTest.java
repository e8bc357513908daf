package com.acme.payments;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Module boundaries of docs/architecture.md: AWS SDK types live only in {@code …adapter.*}, and the domain knows
 * nothing of the layers around it. ArchUnit fails a rule whose {@code that()} matches no class
 * ({@code archRule.failOnEmptyShould}), so a renamed package cannot make these rules pass vacuously.
 *
 * <p>The rules are checked from {@code @ArchTest} methods, not declared as {@code @ArchTest} fields: Maven Surefire
 * 3.5.3 (the version this build pins) silently skips field rules (TNG/ArchUnit#1442, apache/maven-surefire#839), so
 * field rules would report 0 tests and never fail.
 */
@AnalyzeClasses(packages = "com.acme.payments", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    static final ArchRule CORE_HAS_NO_AWS_SDK = noClasses()
            .that().resideInAnyPackage("..domain..", "..port..", "..service..", "..config..")
            .should().dependOnClassesThat().resideInAnyPackage("software.amazon..", "com.amazonaws..")
            .because("the AWS SDK is an adapter concern; the core must run and be tested without it");

    static final ArchRule DOMAIN_IS_INNERMOST = noClasses()
            .that().resideInAPackage("..domain..")
            .should().dependOnClassesThat().resideInAnyPackage("..service..", "..adapter..", "..port..",
                    "..config..", "..logging..")
            .because("the domain is the innermost layer");

    static final ArchRule SERVICE_USES_PORTS_NOT_ADAPTERS = noClasses()
            .that().resideInAPackage("..service..")
            .should().dependOnClassesThat().resideInAPackage("..adapter..")
            .because("services reach the outside world only through ports, so fakes can replace adapters");

    static final ArchRule PORTS_DO_NOT_KNOW_ADAPTERS = noClasses()
            .that().resideInAPackage("..port..")
            .should().dependOnClassesThat().resideInAPackage("..adapter..");

    static final ArchRule NO_JSON_IN_DOMAIN_OR_PORTS = noClasses()
            .that().resideInAnyPackage("..domain..", "..port..")
            .should().dependOnClassesThat().resideInAPackage("com.fasterxml.jackson..")
            .because("serialization belongs to the API layer and the adapters");

    static final ArchRule CORE_KNOWS_NO_HTTP_EDGE = noClasses()
            .that().resideInAnyPackage("..domain..", "..port..", "..service..", "..config..")
            .should().dependOnClassesThat()
            .resideInAnyPackage("com.acme.payments.api..", "com.acme.payments.function..", "java.net.http..")
            .because("HTTP belongs to the edge (payment-function's api package) and the processor adapter");

    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("com.acme.payments.(**)")
            .should().beFreeOfCycles()
            .because("data walks one way; a cycle means a lower layer calls back up");

    @ArchTest
    static void domainPortServiceAndConfig_doNotDependOnTheAwsSdk(JavaClasses classes) {
        CORE_HAS_NO_AWS_SDK.check(classes);
    }

    @ArchTest
    static void domain_doesNotDependOnServiceAdapterPortConfigOrLogging(JavaClasses classes) {
        DOMAIN_IS_INNERMOST.check(classes);
    }

    @ArchTest
    static void service_doesNotDependOnAdapters(JavaClasses classes) {
        SERVICE_USES_PORTS_NOT_ADAPTERS.check(classes);
    }

    @ArchTest
    static void ports_doNotDependOnAdapters(JavaClasses classes) {
        PORTS_DO_NOT_KNOW_ADAPTERS.check(classes);
    }

    @ArchTest
    static void domainAndPorts_doNotDependOnJackson(JavaClasses classes) {
        NO_JSON_IN_DOMAIN_OR_PORTS.check(classes);
    }

    @ArchTest
    static void domainPortServiceAndConfig_doNotDependOnTheHttpEdge(JavaClasses classes) {
        CORE_KNOWS_NO_HTTP_EDGE.check(classes);
    }

    @ArchTest
    static void packages_haveNoCycles(JavaClasses classes) {
        NO_PACKAGE_CYCLES.check(classes);
    }
}
