package com.acme.sms.worker.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.acme.sms.worker.delivery.Batch;
import com.acme.sms.worker.delivery.DeliveryDecision;
import com.acme.sms.worker.retry.RetryPolicy;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;

/**
 * The worker's shape: the decision about a batch is pure (plain JUnit tables test it), the effects are named steps,
 * and the worker is deployed apart from the API so it never links against it.
 */
@AnalyzeClasses(packages = "com.acme.sms", importOptions = ImportOption.DoNotIncludeTests.class)
class WorkerLayeringTest {

    @ArchTest
    static final ArchRule workerNeverImportsApi = noClasses().that().resideInAPackage("com.acme.sms.worker..")
            .should().dependOnClassesThat().resideInAPackage("com.acme.sms.api..");

    @ArchTest
    static final ArchRule decisionTouchesNoStore = noClasses()
            .that().belongToAnyOf(DeliveryDecision.class, Batch.class, RetryPolicy.class)
            .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "io.vertx..", "io.smallrye.mutiny..",
                    "java.sql..", "javax.sql..", "jakarta.persistence..", "org.hibernate..")
            .because("the decision is a function of its inputs; Redis and PostgreSQL belong to the steps");

    @ArchTest
    static final ArchRule decisionReadsNoClock = noClasses()
            .that().belongToAnyOf(DeliveryDecision.class, Batch.class, RetryPolicy.class)
            .should().callMethod(System.class, "currentTimeMillis")
            .orShould().callMethod(System.class, "nanoTime")
            .orShould().callMethod(Instant.class, "now")
            .orShould().callMethod(Clock.class, "systemUTC")
            .because("the time is an input of the decision, so tables can pin it");
}
