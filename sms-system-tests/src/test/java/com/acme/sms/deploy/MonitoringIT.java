package com.acme.sms.deploy;

import static com.acme.sms.deploy.ComposeFileTest.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.system.AppProcess;
import com.acme.sms.system.BuiltApp;
import com.acme.sms.system.TestOutput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring against the running apps: the packaged API and both workers, and a real Prometheus (Debian's
 * {@code prometheus} binary, on PATH) scraping them on 127.0.0.1 with the scrape jobs of
 * deploy/prometheus/prometheus.yml and the rules of deploy/prometheus/alerts.yml. Every target must be up, every
 * rule must evaluate, and every metric name the alerts and the Grafana dashboard use must be served by the apps.
 * Needs real Redis and PostgreSQL (as EndToEndIT: database sms_test, Redis database 14) and the apps this reactor built.
 */
class MonitoringIT {

    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    static final List<AppProcess> started = new ArrayList<>();
    static Map<String, AppProcess> apps;
    static AppProcess prometheus;
    /** Prometheus' configuration and storage, under target/servers; removed at the end. */
    static Path prometheusDir;

    @BeforeAll
    static void start() throws Exception {
        Path prometheusBin = ExternalTool.require("prometheus", ExternalTool.PROMETHEUS_HINT);
        apps = new LinkedHashMap<>();
        // The job names of deploy/prometheus/prometheus.yml (sms-<compose service>).
        apps.put("sms-api", track(AppProcess.start(BuiltApp.API, "sms-api")));
        apps.get("sms-api").awaitReady(START_TIMEOUT);
        apps.put("sms-worker-express", track(AppProcess.start(BuiltApp.WORKER, "sms-worker-express", "--queue=express")));
        apps.put("sms-worker-normal", track(AppProcess.start(BuiltApp.WORKER, "sms-worker-normal", "--queue=normal")));
        for (AppProcess p : apps.values()) {
            p.awaitReady(START_TIMEOUT);
        }

        int port = AppProcess.freePort();
        prometheusDir = TestOutput.serverDir("prometheus-");
        Path config = prometheusDir.resolve("prometheus.yml");
        Files.writeString(config, prometheusConfig(port));
        prometheus = track(AppProcess.program("prometheus", port, List.of(prometheusBin.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + prometheusDir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")));
        prometheus.awaitHttp("/-/ready", START_TIMEOUT);
    }

    static AppProcess track(AppProcess p) {
        started.add(p);
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        if (prometheusDir != null) {
            TestOutput.delete(prometheusDir);
        }
    }

    /**
     * deploy/prometheus/prometheus.yml with each job's Docker DNS discovery replaced by its app's management port on 127.0.0.1 (and
     * Prometheus' own job pointed at this Prometheus), scraping every second; the rules file as it is.
     */
    static String prometheusConfig(int port) throws IOException {
        Map<String, Object> config;
        try (Reader r = Files.newBufferedReader(ROOT.resolve("deploy/prometheus/prometheus.yml"))) {
            config = new Yaml().load(r);
        }
        config.put("global",
                new LinkedHashMap<>(Map.of("scrape_interval", "1s", "scrape_timeout", "1s", "evaluation_interval", "1s")));
        config.put("rule_files", List.of(ROOT.resolve("deploy/prometheus/alerts.yml").toString()));
        List<Object> jobs = new ArrayList<>();
        Set<String> covered = new TreeSet<>();
        for (Object o : (List<?>) config.get("scrape_configs")) {
            Map<String, Object> job = new LinkedHashMap<>(ComposeFileTest.map(o));
            String name = String.valueOf(job.get("job_name"));
            int target;
            if (apps.containsKey(name)) {
                target = apps.get(name).managementPort;
                covered.add(name);
            } else if (name.equals("prometheus")) {
                target = port;
            } else {
                throw new AssertionError(
                        "scrape job " + name + " of deploy/prometheus/prometheus.yml: no app for it in this test");
            }
            job.remove("dns_sd_configs");
            job.put("static_configs", List.of(Map.of("targets", List.of("127.0.0.1:" + target))));
            jobs.add(job);
        }
        assertThat(covered).as("deploy/prometheus/prometheus.yml scrapes every app")
                .isEqualTo(apps.keySet().stream().collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
        config.put("scrape_configs", jobs);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options).dump(config);
    }

    @Test
    void prometheusScrapesEveryAppEvaluatesEveryRuleAndFindsEveryMetricTheAlertsAndTheDashboardUse() throws Exception {
        sendTraffic();

        // Every target up.
        await("every Prometheus target up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode targets = prometheusApi("/api/v1/targets").path("data").path("activeTargets");
                    Map<String, String> health = new TreeMap<>();
                    targets.forEach(t -> health.put(t.path("labels").path("job").asText() + " " + t.path("scrapeUrl").asText(),
                            t.path("health").asText() + " " + t.path("lastError").asText()));
                    assertThat(health).as("targets").hasSize(apps.size() + 1);
                    assertThat(health.values()).as("target health: " + health).allMatch(h -> h.startsWith("up"));
                });
        for (Map.Entry<String, AppProcess> app : apps.entrySet()) {
            assertThat(query("up{job=\"" + app.getKey() + "\"}")).as("up of " + app.getKey()).isEqualTo(List.of(1.0));
        }

        // Every rule loaded and evaluated without error against the real series.
        int rules = MonitoringConfigTest.alertRules().size();
        await("every alert rule evaluated").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    List<String> states = new ArrayList<>();
                    for (JsonNode group : prometheusApi("/api/v1/rules").path("data").path("groups")) {
                        for (JsonNode rule : group.path("rules")) {
                            states.add(rule.path("name").asText() + ": " + rule.path("health").asText() + " "
                                    + rule.path("lastError").asText());
                        }
                    }
                    assertThat(states).as("rules loaded from alerts.yml").hasSize(rules);
                    assertThat(states).as("rule health").allMatch(s -> s.contains(": ok"));
                });

        // Every metric the alerts and the dashboard use is served by the apps (histogram suffixes included).
        Map<String, Set<String>> served = new TreeMap<>();
        for (Map.Entry<String, AppProcess> app : apps.entrySet()) {
            for (String name : sampleNames(get(app.getValue().managementPort, "/q/metrics"))) {
                served.computeIfAbsent(name, k -> new TreeSet<>()).add(app.getKey());
            }
        }
        Map<String, Set<String>> missing = new TreeMap<>();
        for (Map.Entry<String, Set<String>> use : MonitoringConfigTest.metricUses().entrySet()) {
            boolean found = use.getKey().equals("up") ? !query("up").isEmpty() : served.containsKey(use.getKey());
            if (!found) {
                missing.put(use.getKey(), use.getValue());
            }
        }
        assertThat(missing).as("metrics used by deploy/prometheus/alerts.yml or deploy/grafana/dashboards that no app serves "
                + "(name -> where used); served: " + served.keySet()).isEmpty();
        // And Prometheus stored them under the job names the alerts select on.
        assertThat(query("sum(sms_queue_depth{job=\"sms-api\"}) >= 0")).hasSize(1);
    }

    /** Credit, express and normal messages (one failing at the provider, refunded), one invalid (rejected). */
    static void sendTraffic() throws Exception {
        int api = apps.get("sms-api").port;
        String client = "mon-it-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(post(api, "/api/credit/increase", client, null, "{\"balance\": 20}").statusCode()).isEqualTo(200);
        for (String type : List.of("express", "normal")) {
            HttpResponse<String> r = post(api, "/api/messages/bulk/send", client, type, "{\"messages\": ["
                    + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"hello " + type + "\"},"
                    + "{\"to\": \"+447700911112\", \"from\": \"App\", \"content\": \"fails at the provider\"},"
                    + "{\"to\": \"not-a-number\", \"from\": \"App\", \"content\": \"rejected\"}]}");
            assertThat(r.statusCode()).as("send " + type + ": " + r.body()).isEqualTo(202);
        }
        for (String type : List.of("express", "normal")) {
            AppProcess worker = apps.get("sms-worker-" + type);
            await(type + " messages delivered").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> get(worker.managementPort, "/q/metrics").lines()
                            .anyMatch(l -> l.startsWith("sms_delivery_latency_seconds_count{")
                                    && l.contains("type=\"" + type + "\"")
                                    && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) > 0));
        }
    }

    /** Names of the samples in a Prometheus text exposition. */
    static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        exposition.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(l -> {
            int end = 0;
            while (end < l.length() && l.charAt(end) != '{' && l.charAt(end) != ' ') {
                end++;
            }
            names.add(l.substring(0, end));
        });
        return names;
    }

    static List<Double> query(String promql) throws Exception {
        JsonNode result = prometheusApi("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).path("data")
                .path("result");
        List<Double> values = new ArrayList<>();
        result.forEach(r -> values.add(Double.parseDouble(r.path("value").path(1).asText())));
        return values;
    }

    static JsonNode prometheusApi(String path) throws Exception {
        JsonNode body = JSON.readTree(get(prometheus.port, path));
        assertThat(body.path("status").asText()).as(path + ": " + body).isEqualTo("success");
        return body;
    }

    static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET " + path).isEqualTo(200);
        return r.body();
    }

    static HttpResponse<String> post(int port, String path, String client, String type, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("X-Client-ID", client)
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (type != null) {
            b.header("X-SMS-TYPE", type);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
