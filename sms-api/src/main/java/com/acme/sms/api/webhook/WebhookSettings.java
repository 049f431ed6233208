package com.acme.sms.api.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Which webhook URLs a client may register; the workers hold deliveries to the same rules (WebhookUrlPolicy). */
@ConfigMapping(prefix = "sms.webhooks")
public interface WebhookSettings {

    /** Also http URLs; for local development only (bin/run sets it). */
    @WithDefault("false")
    boolean allowHttp();

    /** Also URLs that resolve to loopback, private or link-local addresses; for local development only. */
    @WithDefault("false")
    boolean allowPrivateAddresses();
}
