package com.acme.sms.api.message.rest;

import java.util.List;

public record BulkSendRequest(List<OutgoingMessage> messages) {}
