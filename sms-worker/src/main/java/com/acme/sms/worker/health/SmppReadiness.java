package com.acme.sms.worker.health;

import com.acme.sms.worker.send.ProviderConfig;
import com.acme.sms.worker.send.smpp.SmppProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while at least one SMPP session is bound: a worker without one fails every send (transiently), so a
 * balancer or an operator should know. Always UP with the simulated provider, so the check list is the same for both.
 */
@Readiness
@ApplicationScoped
public class SmppReadiness implements HealthCheck {

    public static final String NAME = "smpp sessions bound";

    private final ProviderConfig config;
    private final Instance<SmppProvider> smpp;

    public SmppReadiness(ProviderConfig config, Instance<SmppProvider> smpp) {
        this.config = config;
        this.smpp = smpp;
    }

    @Override
    public HealthCheckResponse call() {
        if (!"smpp".equals(config.kind())) {
            return HealthCheckResponse.named(NAME).withData("provider", config.kind()).withData("sessions", "not used")
                    .up().build();
        }
        SmppProvider provider = smpp.get();
        int bound = provider.boundSessions();
        return HealthCheckResponse.named(NAME).withData("provider", "smpp").withData("bound", bound)
                .withData("configured", provider.configuredSessions()).status(bound > 0).build();
    }
}
