package com.acme.sms.deploy;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough PromQL reading to tell which metric names an expression selects. */
final class PromQl {

    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "offset", "bool", "inf", "nan", "atan2");
    static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    static final Pattern NUMBERS = Pattern.compile("(?<![A-Za-z_:0-9])\\d[\\w.]*");
    static final Pattern VARIABLES = Pattern.compile("\\$\\w+");
    static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

    private PromQl() {}

    /** Metric names selected by the expression (identifiers that are neither functions nor keywords). */
    static Set<String> metricNames(String expr) {
        String s = STRINGS.matcher(expr).replaceAll(" ");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGES.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        s = VARIABLES.matcher(s).replaceAll(" ");
        s = NUMBERS.matcher(s).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group();
            String rest = s.substring(m.end()).stripLeading();
            if (rest.startsWith("(") || KEYWORDS.contains(id.toLowerCase())) {
                continue;
            }
            names.add(id);
        }
        return names;
    }

    /** Grafana's template variables replaced by values Prometheus accepts, so the expression can be checked. */
    static String withoutGrafanaVariables(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$__range", "1h");
    }
}
