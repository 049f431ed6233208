package com.acme.sms.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "sms.api")
public interface ApiConfig {

    /** Most messages one bulk request may carry; larger requests get 400 and change nothing. */
    @WithDefault("1000")
    int maxMessagesPerRequest();

    /** Most credit one increase may add. */
    @WithDefault("10000000")
    long maxCreditIncrease();
}
