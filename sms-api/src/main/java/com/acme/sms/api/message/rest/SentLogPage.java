package com.acme.sms.api.message.rest;

import java.util.List;

/**
 * One page of the sent-log. {@code total} is exact when {@code totalExact}, else an estimate (when the filters,
 * status aside, match more than 10,000 messages); {@code nextCursor} fetches the next, older page, and is null on
 * the last.
 */
public record SentLogPage(int page, int pageSize, long total, boolean totalExact, long totalPages, String nextCursor,
        List<MessageView> messages) {}
