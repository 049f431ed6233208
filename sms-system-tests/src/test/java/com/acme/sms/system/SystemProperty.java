package com.acme.sms.system;

/** The settings sms-system-tests/pom.xml hands the test JVMs. */
final class SystemProperty {

    private SystemProperty() {}

    static String required(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank() || value.startsWith("${")) {
            throw new IllegalStateException("system property " + name + " is not set: run the tests through Maven at the"
                    + " repository root (mvn -B verify, or bin/test), which sets it in sms-system-tests/pom.xml");
        }
        return value;
    }
}
