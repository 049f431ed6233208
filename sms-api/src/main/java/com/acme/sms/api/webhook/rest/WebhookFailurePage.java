package com.acme.sms.api.webhook.rest;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One page of a client's webhook failures, oldest first. */
public record WebhookFailurePage(
        List<WebhookFailureView> failures,
        @Schema(description = "Pass as 'cursor' for the next page; null on the last page") String nextCursor) {}
