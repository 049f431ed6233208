package com.acme.sms.api.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The API's layering: resources (`..rest..`) and the security filter are the HTTP edge; services below them speak
 * in domain types and domain exceptions, and one mapper (`api.error`) turns those into problems. These rules keep
 * a service from quietly growing an HTTP status again.
 */
@AnalyzeClasses(packages = "com.acme.sms", importOptions = ImportOption.DoNotIncludeTests.class)
class ApiLayeringTest {

    private static final String[] SERVICES = {"com.acme.sms.api.message", "com.acme.sms.api.credit",
        "com.acme.sms.api.admin", "com.acme.sms.api.ratelimit", "com.acme.sms.api.optout", "com.acme.sms.api.report"};

    @ArchTest
    static final ArchRule servicesAreFreeOfHttp = noClasses().that().resideInAnyPackage(SERVICES)
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.jboss.resteasy..",
                    "io.vertx.ext.web..")
            .because("services are called by resources; only the edge knows HTTP");

    @ArchTest
    static final ArchRule servicesDoNotBuildProblems = noClasses().that().resideInAnyPackage(SERVICES)
            .should().dependOnClassesThat().resideInAnyPackage("com.acme.sms.api.error..")
            .because("services throw domain exceptions; ProblemMappers alone decides the HTTP answer");

    @ArchTest
    static final ArchRule servicesDoNotUseRestTypes = noClasses().that().resideInAnyPackage(SERVICES)
            .should().dependOnClassesThat().resideInAnyPackage("..rest..")
            .because("requests and answers are converted at the edge");

    @ArchTest
    static final ArchRule apiNeverImportsWorker = noClasses().that().resideInAPackage("com.acme.sms.api..")
            .should().dependOnClassesThat().resideInAPackage("com.acme.sms.worker..");
}
