package com.acme.sms.worker.delivery;

import java.util.Map;

/** One entry read from a stream, with how often the group has delivered it (1 on a first read). */
public record StreamEntry(String entryId, Map<String, String> fields, long deliveries) {}
