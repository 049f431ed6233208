package com.acme.sms.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one jqwik property class on the jqwik engine from inside a running {@code @QuarkusTest}, whose application
 * the properties then call over HTTP. (The jqwik engine cannot host a {@code @QuarkusTest} itself, and Surefire runs
 * it after JUnit Jupiter has stopped Quarkus.)
 */
final class JqwikRun {

    private JqwikRun() {}

    static void run(String propertyClass, Map<String, String> settings) {
        settings.forEach((k, v) -> System.setProperty(HostileRequests.PREFIX + k, v));
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // The property class is loaded by the system class loader, as the jqwik engine and its annotations are;
        // it needs nothing of the application's class loader.
        thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
        try {
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(DiscoverySelectors.selectClass(propertyClass))
                    .filters(EngineFilter.includeEngines("jqwik"))
                    .configurationParameter("jqwik.database", "target/jqwik-database")
                    .configurationParameter("jqwik.reporting.onlyfailures", "true")
                    .build();
            Launcher launcher = LauncherFactory.create();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            launcher.execute(request, listener);
            TestExecutionSummary summary = listener.getSummary();
            summary.getFailures().forEach(f -> {
                throw new AssertionError(f.getTestIdentifier().getDisplayName() + " failed: " + f.getException().getMessage(),
                        f.getException());
            });
            assertThat(summary.getTestsSucceededCount()).as("properties run and passed in " + propertyClass).isEqualTo(1);
        } finally {
            thread.setContextClassLoader(previous);
            settings.keySet().forEach(k -> System.clearProperty(HostileRequests.PREFIX + k));
        }
    }
}
