package com.acme.sms.api.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the admin endpoints a browser opens (the dashboard): a failed admin check there answers 401 with a Basic
 * challenge, so the browser asks for the password again, instead of the 403 an API client gets.
 * <p>
 * Every admin endpoint accepts HTTP Basic (any user name): a browser can send no custom header on a navigation, but
 * it sends the Basic credentials it asked for by itself, as Celery Flower's login does. The password is what the
 * mode takes: the admin key (header mode) or an admin token (jwt mode).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface BasicLogin {

}
