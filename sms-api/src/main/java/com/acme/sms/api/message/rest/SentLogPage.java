package com.acme.sms.api.message.rest;

import java.util.List;

public record SentLogPage(int page, int pageSize, long total, long totalPages, List<MessageView> messages) {}
