package com.acme.sms.api.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the endpoint that adds credit. In jwt mode adding credit is an admin act: the caller needs the admin role
 * and names the client to credit in {@code X-Client-ID}; a client's own token can never add credit, not even to
 * itself. In header mode the caller credits itself, as docs/specification.md describes.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface AddsCredit {}
