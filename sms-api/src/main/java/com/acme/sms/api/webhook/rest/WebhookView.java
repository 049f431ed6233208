package com.acme.sms.api.webhook.rest;

import com.acme.sms.api.webhook.WebhookService;
import java.time.Instant;

/** A client's webhook as GET shows it: the URL and whether a secret is set, never the secret. */
public record WebhookView(String url, boolean secretSet, Instant createdAt, Instant updatedAt) {

    static WebhookView of(WebhookService.Webhook w) {
        return new WebhookView(w.url(), w.secretSet(), w.createdAt(), w.updatedAt());
    }
}
