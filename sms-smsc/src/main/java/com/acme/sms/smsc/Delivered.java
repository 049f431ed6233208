package com.acme.sms.smsc;

import java.util.List;

/**
 * A whole message as a handset would show it: a single part, or all parts of a concatenated one put together by
 * their UDH reference.
 *
 * @param messageIds the ids of its parts, in part order
 */
public record Delivered(String source, String destination, String text, List<String> messageIds) {}
