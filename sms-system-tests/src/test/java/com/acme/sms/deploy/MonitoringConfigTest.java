package com.acme.sms.deploy;

import static com.acme.sms.deploy.ComposeFileTest.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.acme.sms.system.Artifact;
import com.acme.sms.system.BuiltApp;
import com.acme.sms.system.ClassFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/prometheus and deploy/grafana on their own: they parse, promtool accepts them, every alert has a runbook
 * entry in deploy/README.md, and every metric they use is one the code registers. Needs {@code promtool} on PATH
 * (Debian package prometheus; fails, naming it, when missing). The running check is {@code MonitoringIT}.
 */
class MonitoringConfigTest {

    static final Path DEPLOY = ROOT.resolve("deploy");
    static final Path PROMETHEUS = DEPLOY.resolve("prometheus");
    static final Path ALERTS = PROMETHEUS.resolve("alerts.yml");
    static final Path DASHBOARDS = DEPLOY.resolve("grafana/dashboards");
    static final Path DATASOURCES = DEPLOY.resolve("grafana/provisioning/datasources/datasources.yml");
    static final Set<String> JOBS = Set.of("sms-api", "sms-worker-express", "sms-worker-normal");
    /** Meters every Quarkus app with Micrometer serves besides ours, and Prometheus' own per-target series. */
    static final Set<String> STANDARD_METRICS = Set.of("up", "http_server_requests_seconds_count",
            "http_server_requests_seconds_sum", "http_server_requests_seconds_max", "jvm_memory_used_bytes");
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyYamlAndJsonFileUnderDeployParses() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(DEPLOY)) {
            files = walk.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(ya?ml|json)$")).toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path f : files) {
            try (Reader r = Files.newBufferedReader(f)) {
                if (f.toString().endsWith(".json")) {
                    assertThat(JSON.readTree(r)).as(f.toString()).isNotNull();
                } else {
                    List<Object> docs = new ArrayList<>();
                    new Yaml().loadAll(r).forEach(docs::add);
                    assertThat(docs).as(ROOT.relativize(f) + " documents").isNotEmpty().doesNotContainNull();
                }
            } catch (RuntimeException | IOException e) {
                fail("%s does not parse: %s", ROOT.relativize(f), e);
            }
        }
    }

    // ------------------------------------------------------------------------------------- Prometheus ----

    @Test
    void promtoolAcceptsTheComposeConfigAndTheRules() {
        Path promtool = ExternalTool.require("promtool", ExternalTool.PROMETHEUS_HINT);
        ExternalTool.Result config = ExternalTool.run(ROOT, 60, promtool.toString(), "check", "config",
                "deploy/prometheus/prometheus.yml");
        assertThat(config.exitCode()).as("promtool check config deploy/prometheus/prometheus.yml:\n" + config.both()).isZero();
        ExternalTool.Result rules = ExternalTool.run(ROOT, 60, promtool.toString(), "check", "rules",
                "deploy/prometheus/alerts.yml");
        assertThat(rules.exitCode()).as("promtool check rules deploy/prometheus/alerts.yml:\n" + rules.both()).isZero();
        assertThat(rules.stdout()).contains("SUCCESS: " + alertRules().size() + " rules found");
    }

    @Test
    void theKubernetesScrapeConfigIsValidAndFollowsThePodAnnotations(@TempDir Path tmp) throws IOException {
        Path promtool = ExternalTool.require("promtool", ExternalTool.PROMETHEUS_HINT);
        Path file = PROMETHEUS.resolve("prometheus-kubernetes.yml");
        ExternalTool.Result r = ExternalTool.run(ROOT, 60, promtool.toString(), "check", "config",
                ROOT.relativize(file).toString());
        if (r.exitCode() != 0 && r.both().contains("field kubernetes_sd_configs not found")) {
            // Debian's build of Prometheus leaves Kubernetes discovery out. Check everything else (relabelling regexes,
            // rule files) with the discovery swapped for a static target; the discovery block is checked below.
            String swapped = Files.readString(file).replaceAll("(?s)kubernetes_sd_configs:.*?(?=\\n    relabel_configs:)",
                    "static_configs:\n      - targets: [\"127.0.0.1:8080\"]");
            assertThat(swapped).doesNotContain("kubernetes_sd_configs");
            Files.writeString(tmp.resolve("prometheus-kubernetes.yml"), swapped);
            Files.copy(ALERTS, tmp.resolve("alerts.yml"));
            r = ExternalTool.run(tmp, 60, promtool.toString(), "check", "config", "prometheus-kubernetes.yml");
        }
        assertThat(r.exitCode()).as("promtool check config " + file + ":\n" + r.both()).isZero();

        Map<String, Object> config = yaml(file);
        List<Map<String, Object>> jobs = maps(config.get("scrape_configs"));
        assertThat(jobs).hasSize(1);
        List<Map<String, Object>> sd = maps(jobs.get(0).get("kubernetes_sd_configs"));
        assertThat(sd).hasSize(1);
        assertThat(sd.get(0).get("role")).isEqualTo("pod");
        String relabel = String.valueOf(jobs.get(0).get("relabel_configs"));
        // The annotations and the label of deploy/k8s/base (KubernetesManifestsTest holds the pods to them).
        assertThat(relabel).contains("__meta_kubernetes_pod_annotation_prometheus_io_scrape",
                "__meta_kubernetes_pod_annotation_prometheus_io_path", "__meta_kubernetes_pod_annotation_prometheus_io_port",
                "__meta_kubernetes_pod_label_app_kubernetes_io_name");
        assertThat(ComposeFileTest.map(sd.get(0).get("namespaces")).get("names")).as("namespaces of the overlays")
                .isEqualTo(List.of("sms"));
        assertThat(config.get("rule_files")).isEqualTo(List.of("alerts.yml"));
    }

    @Test
    void everyAlertHasSeverityDescriptionAndARunbookEntry() throws IOException {
        Set<String> anchors = readmeAnchors();
        Set<String> alerts = new LinkedHashSet<>();
        for (Map<String, Object> rule : alertRules()) {
            String name = String.valueOf(rule.get("alert"));
            assertThat(alerts.add(name)).as("alert names are unique: " + name).isTrue();
            assertThat(ComposeFileTest.map(rule.get("labels")).get("severity")).as(name + " severity")
                    .isIn("critical", "warning", "info");
            Map<String, Object> annotations = ComposeFileTest.map(rule.get("annotations"));
            assertThat(annotations).as(name + " annotations").containsKeys("summary", "description", "runbook");
            String runbook = String.valueOf(annotations.get("runbook"));
            assertThat(runbook).as(name + " runbook").startsWith("deploy/README.md#");
            assertThat(anchors).as(name + ": deploy/README.md has a heading for " + runbook)
                    .contains(runbook.substring(runbook.indexOf('#') + 1));
            for (String job : jobsSelectedBy(String.valueOf(rule.get("expr")))) {
                assertThat(JOBS).as(name + ": job " + job + " is scraped under that name").contains(job);
            }
        }
        assertThat(alerts).as("the alerts the operators rely on").contains("SmsExpressSlaBreach", "SmsExpressBacklogGrowing",
                "SmsNormalBacklogGrowing", "SmsDeadLetters", "SmsFailureRatioHigh", "SmsRefundSpike", "SmsTargetDown",
                "SmsAppMissing");
    }

    @Test
    void theExpressSlaAlertIsTheP99Over100msForFiveMinutes() throws Exception {
        Map<String, Object> rule = alertRules().stream().filter(r -> "SmsExpressSlaBreach".equals(r.get("alert"))).findFirst()
                .orElseThrow();
        String expr = String.valueOf(rule.get("expr")).replaceAll("\\s+", " ");
        assertThat(expr).contains("histogram_quantile(0.99,", "sms_delivery_latency_seconds_bucket{type=\"express\"}", "> 0.1");
        assertThat(rule.get("for")).isEqualTo("5m");
        // histogram_quantile is exact only at a bucket boundary: 100 ms must be one of the worker's buckets.
        Field buckets = workerField("SLA_BUCKETS");
        buckets.setAccessible(true);
        assertThat((Duration[]) buckets.get(null)).contains(Duration.ofMillis(100));
    }

    @Test
    void everyMetricTheAlertsAndTheDashboardUseIsRegisteredByTheCode() throws IOException {
        Set<String> registered = registeredMeterNames();
        for (Map.Entry<String, Set<String>> use : metricUses().entrySet()) {
            assertThat(registered.contains(use.getKey()) || STANDARD_METRICS.contains(use.getKey()))
                    .as("%s (used by %s) is neither registered by the apps' classes (%s) nor a standard metric %s",
                            use.getKey(), use.getValue(), registered, STANDARD_METRICS)
                    .isTrue();
        }
    }

    // ---------------------------------------------------------------------------------------- Grafana ----

    @Test
    void everyPanelUsesAProvisionedDatasourceAndValidQueries(@TempDir Path tmp) throws IOException {
        Map<String, String> datasources = new LinkedHashMap<>();
        for (Map<String, Object> ds : maps(yaml(DATASOURCES).get("datasources"))) {
            datasources.put(String.valueOf(ds.get("uid")), String.valueOf(ds.get("type")));
        }
        assertThat(datasources).containsValues("prometheus", "grafana-postgresql-datasource");

        List<String> promql = new ArrayList<>();
        for (Path dashboard : dashboards()) {
            JsonNode root = JSON.readTree(dashboard.toFile());
            assertThat(root.path("uid").asText()).as(dashboard + " uid").isNotEmpty();
            assertThat(root.path("panels").size()).as(dashboard + " panels").isPositive();
            for (JsonNode panel : root.path("panels")) {
                String title = panel.path("title").asText();
                for (JsonNode target : panel.path("targets")) {
                    JsonNode ds = target.has("datasource") ? target.path("datasource") : panel.path("datasource");
                    String uid = ds.path("uid").asText();
                    assertThat(datasources).as(title + ": datasource uid " + uid + " is provisioned").containsKey(uid);
                    assertThat(ds.path("type").asText()).as(title + " datasource type").isEqualTo(datasources.get(uid));
                    if (datasources.get(uid).equals("prometheus")) {
                        promql.add(PromQl.withoutGrafanaVariables(target.path("expr").asText()));
                    } else {
                        assertSqlMatchesTheSchema(title, target.path("rawSql").asText());
                    }
                }
            }
        }
        // promtool parses every query as the expression of a recording rule.
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < promql.size(); i++) {
            rules.append("      - record: dashboard:query").append(i).append("\n        expr: ")
                    .append(JSON.writeValueAsString(promql.get(i))).append('\n');
        }
        Path file = tmp.resolve("dashboard-queries.yml");
        Files.writeString(file, rules);
        Path promtool = ExternalTool.require("promtool", ExternalTool.PROMETHEUS_HINT);
        ExternalTool.Result r = ExternalTool.run(tmp, 60, promtool.toString(), "check", "rules", file.toString());
        assertThat(r.exitCode()).as("dashboard queries as PromQL:\n" + r.both() + "\n" + rules).isZero();
    }

    @Test
    void theDashboardShowsWhatOperatorsNeed() throws IOException {
        Set<String> used = metricUses().keySet();
        assertThat(used).contains("sms_queue_depth", "sms_messages_accepted_total", "sms_messages_processed_total",
                "sms_delivery_latency_seconds_bucket", "sms_refunds_total", "sms_dead_letters_total");
        String json = Files.readString(DASHBOARDS.resolve("sms-overview.json"));
        assertThat(json).as("the express SLA line").contains("vector(0.1)");
        assertThat(json).as("top clients from the message log").contains("GROUP BY 1 ORDER BY 2 DESC LIMIT 10");
    }

    // ---------------------------------------------------------------------------------------- helpers ----

    static List<Map<String, Object>> alertRules() {
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : maps(yaml(ALERTS).get("groups"))) {
            rules.addAll(maps(group.get("rules")));
        }
        assertThat(rules).isNotEmpty();
        return rules;
    }

    static List<Path> dashboards() throws IOException {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            List<Path> all = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertThat(all).isNotEmpty();
            return all;
        }
    }

    /** Metric name -> where it is used (alert names, dashboard panel titles). */
    static Map<String, Set<String>> metricUses() throws IOException {
        Map<String, Set<String>> uses = new java.util.TreeMap<>();
        for (Map<String, Object> rule : alertRules()) {
            for (String name : PromQl.metricNames(String.valueOf(rule.get("expr")))) {
                uses.computeIfAbsent(name, k -> new LinkedHashSet<>()).add("alert " + rule.get("alert"));
            }
        }
        for (Path dashboard : dashboards()) {
            for (JsonNode panel : JSON.readTree(dashboard.toFile()).path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    if (target.has("expr")) {
                        for (String name : PromQl.metricNames(target.path("expr").asText())) {
                            uses.computeIfAbsent(name, k -> new LinkedHashSet<>()).add("panel " + panel.path("title").asText());
                        }
                    }
                }
            }
        }
        assertThat(uses).isNotEmpty();
        return uses;
    }

    /**
     * Prometheus names of the meters our code registers: the "sms.*" string literals of the built classes (sms-common's
     * and both apps') that use Micrometer, given to its builders or to the helpers that call them, with the suffixes
     * the Prometheus registry adds (the timer ones for classes that use Timer).
     */
    static Set<String> registeredMeterNames() {
        Pattern literal = Pattern.compile("sms(?:\\.[a-z0-9]+)+");
        Set<String> names = new HashSet<>();
        for (Artifact artifact : List.of(BuiltApp.COMMON, BuiltApp.API.artifact(), BuiltApp.WORKER.artifact())) {
            for (String entry : artifact.entries("com/acme/sms/", ".class")) {
                ClassFile c = ClassFile.parse(artifact.read(entry).orElseThrow());
                if (!c.uses("io.micrometer.")) {
                    continue;
                }
                boolean timers = c.uses("io.micrometer.core.instrument.Timer");
                for (String s : c.stringLiterals()) {
                    if (literal.matcher(s).matches()) {
                        String base = s.replace('.', '_');
                        names.addAll(List.of(base, base + "_total"));
                        if (timers) {
                            for (String suffix : List.of("_seconds_bucket", "_seconds_count", "_seconds_sum", "_seconds_max")) {
                                names.add(base + suffix);
                            }
                        }
                    }
                }
            }
        }
        return names;
    }

    /** A static field of the worker's classes, wherever the worker keeps it. */
    static Field workerField(String name) throws ClassNotFoundException {
        List<Field> found = new ArrayList<>();
        for (String className : BuiltApp.WORKER.artifact().classNames()) {
            Class<?> c = Class.forName(className, false, MonitoringConfigTest.class.getClassLoader());
            for (Field f : c.getDeclaredFields()) {
                if (f.getName().equals(name) && java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                    found.add(f);
                }
            }
        }
        assertThat(found).as("static fields " + name + " of the worker").hasSize(1);
        return found.get(0);
    }

    static Set<String> jobsSelectedBy(String expr) {
        Set<String> jobs = new LinkedHashSet<>();
        Matcher m = Pattern.compile("job\\s*=~?\\s*\"([^\"]+)\"").matcher(expr);
        while (m.find()) {
            for (String alt : m.group(1).split("\\|")) {
                if (!alt.contains("*") && !alt.contains("+")) {
                    jobs.add(alt);
                }
            }
        }
        return jobs;
    }

    /** GitHub's anchors of the headings of deploy/README.md. */
    static Set<String> readmeAnchors() throws IOException {
        Set<String> anchors = new HashSet<>();
        for (String line : Files.readAllLines(DEPLOY.resolve("README.md"))) {
            if (line.startsWith("#")) {
                String text = line.replaceFirst("^#+\\s*", "").trim().toLowerCase(Locale.ROOT);
                anchors.add(text.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }

    static void assertSqlMatchesTheSchema(String panel, String sql) throws IOException {
        assertThat(sql).as(panel + " SQL").isNotBlank();
        // The Flyway migrations as sms-common packages them (the API runs them at start).
        String migrations = BuiltApp.COMMON.entries("db/migration/", ".sql").stream()
                .map(e -> new String(BuiltApp.COMMON.read(e).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8))
                .collect(Collectors.joining("\n"));
        Matcher table = Pattern.compile("(?i)\\bFROM\\s+(\\w+)").matcher(sql);
        assertThat(table.find()).as(panel + ": FROM").isTrue();
        Matcher create = Pattern.compile("(?is)CREATE TABLE\\s+" + table.group(1) + "\\s*\\((.*?)\\n\\);").matcher(migrations);
        assertThat(create.find()).as(panel + ": table " + table.group(1) + " in the Flyway migrations").isTrue();
        for (String column : List.of("client_id", "queued_at")) {
            if (sql.contains(column)) {
                assertThat(create.group(1)).as(panel + ": column " + column).containsPattern("(?m)^\\s*" + column + "\\s");
            }
        }
    }

    static Map<String, Object> yaml(Path file) {
        try (Reader r = Files.newBufferedReader(file)) {
            return new Yaml().load(r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }
}
