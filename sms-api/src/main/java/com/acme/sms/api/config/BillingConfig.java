package com.acme.sms.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** What a message costs. */
@ConfigMapping(prefix = "sms.billing")
public interface BillingConfig {

    /**
     * One credit per SMS part (GSM-7: 160 characters in one part, 153 per part beyond; UCS-2: 70 and 67), as
     * carriers bill; false charges one credit per message whatever its length. Read at acceptance: a message keeps
     * the price it was accepted at.
     */
    @WithDefault("true")
    boolean perSegment();
}
