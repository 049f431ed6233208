package com.acme.sms.api.optout.rest;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One page of a client's opt-outs, in number order. */
public record OptOutPage(
        List<OptOutView> optOuts,
        @Schema(description = "Pass as 'cursor' for the next page; null on the last page") String nextCursor) {}
