package com.acme.sms.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * sms-common is shared by both apps, so it must not know either of them: a class here that reached into the API or
 * the worker would make the two deployables depend on each other through the back door.
 */
@AnalyzeClasses(packages = "com.acme.sms", importOptions = ImportOption.DoNotIncludeTests.class)
class CommonLayeringTest {

    @ArchTest
    static final ArchRule commonKnowsNoApp = noClasses().that().resideInAPackage("com.acme.sms..")
            .should().dependOnClassesThat().resideInAnyPackage("com.acme.sms.api..", "com.acme.sms.worker..");

    @ArchTest
    static final ArchRule commonIsFreeOfHttp = noClasses().that().resideInAPackage("com.acme.sms..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.jboss.resteasy..");
}
