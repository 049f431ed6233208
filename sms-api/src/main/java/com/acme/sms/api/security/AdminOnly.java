package com.acme.sms.api.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a resource class whose endpoints only admins may call (X-Admin-Key in header mode, the admin role in jwt
 * mode). {@link CallerFilter} enforces it before the endpoint runs; such endpoints are not rate-limited, so an
 * operator can always reach them.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AdminOnly {}
