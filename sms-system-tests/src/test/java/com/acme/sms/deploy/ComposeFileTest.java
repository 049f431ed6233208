package com.acme.sms.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.acme.sms.message.MessageType;
import com.acme.sms.system.BuiltApp;
import com.acme.sms.system.Repository;
import io.quarkus.runtime.configuration.DurationConverter;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the Dockerfiles against the code: everything asserted here is something that, once it
 * drifted from the applications, would break {@code docker compose up} for a user. Plain JUnit: no services needed.
 * What the apps read is taken from the artifacts Maven built ({@link BuiltApp}), never from their sources.
 */
class ComposeFileTest {

    static final Path ROOT = Repository.ROOT;
    static final Set<String> HEALTH_PATHS = Set.of("/q/health/ready", "/q/health/live");
    static final String WORKER_PREFIX = "worker-";
    static final Pattern URL = Pattern.compile("https?://[^\\s\"']+");
    static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    static Map<String, Object> compose;
    static Map<String, Map<String, Object>> services;

    @BeforeAll
    static void load() throws IOException {
        try (Reader r = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
            compose = new Yaml().load(r);
        }
        services = new LinkedHashMap<>();
        map(compose.get("services")).forEach((name, def) -> services.put(name, map(def)));
    }

    @Test
    void theFiveServicesExist() {
        assertThat(services).containsKeys("redis", "postgres", "api", "worker-express", "worker-normal");
        assertThat(module("api")).isEqualTo(ROOT.resolve("sms-api"));
        assertThat(module("worker-express")).isEqualTo(ROOT.resolve("sms-worker"));
        assertThat(module("worker-normal")).isEqualTo(ROOT.resolve("sms-worker"));
    }

    @Test
    void redisPersistsAndNeverEvicts() {
        Map<String, String> options = redisOptions();
        assertThat(options).as("redis-server options (stream entries and credit must survive a restart)")
                .containsEntry("appendonly", "yes")
                .containsEntry("appendfsync", "everysec")
                .as("an evicted stream entry is a lost message").containsEntry("maxmemory-policy", "noeviction");
        assertNamedVolumeAt("redis", "/data");
        assertNamedVolumeAt("postgres", "/var/lib/postgresql/data");
    }

    @Test
    void oneWorkerServicePerQueueWithTheArgumentWorkerMainAccepts() {
        Set<MessageType> covered = EnumSet.noneOf(MessageType.class);
        for (String name : workerServices()) {
            String queue = name.substring(WORKER_PREFIX.length());
            assertThat(list(services.get(name).get("command"))).as(name + " command")
                    .containsExactly("--queue=" + queue);
            // WorkerMain reads the value after --queue= with MessageType.parse and exits 2 if it is empty
            Optional<MessageType> type = MessageType.parse(queue);
            assertThat(type).as(name + ": a queue WorkerMain accepts").isPresent();
            assertThat(covered.add(type.get())).as(name + ": a second service for queue " + queue).isTrue();
        }
        assertThat(covered).as("every message type needs its worker service").containsExactlyInAnyOrder(MessageType.values());
    }

    @Test
    void workersCanBeScaled() {
        for (String name : workerServices()) {
            Map<String, Object> s = services.get(name);
            assertThat(s).as(name + ": a host port or a container name forbids --scale")
                    .doesNotContainKeys("ports", "container_name");
            // Prometheus reaches each replica's management port inside the network; the HTTP port serves nothing.
            assertThat(list(s.get("expose"))).as(name + " expose").containsExactly(managementPort(name));
        }
    }

    @Test
    void everyConfigEnvironmentVariableNamesAConfigKeyOfItsApp() {
        for (String name : appServices()) {
            // QUARKUS_*, SMS_* and (sms-api only, it has smallrye-jwt) MP_JWT_*: nothing else reads the apps' environment.
            Set<String> known = knownEnvNames(module(name));
            Set<String> used = environment(name).keySet();
            assertThat(known).as(name + ": environment variables that no configuration key of "
                    + ROOT.relativize(module(name)) + " matches (typo, or a renamed key?)").containsAll(used);
        }
    }

    @Test
    void theApiRunsInJwtModeWithTheKeyPairOfBinToken() {
        Map<String, Object> env = environment("api");
        // The API is published on the host's port 8080: header mode would let anyone act as any client.
        assertThat(ApiAuth.assertSettings("compose api", env)).as("compose api: " + ApiAuth.MODE_ENV).isEqualTo(ApiAuth.JWT);
        assertThat(effectiveConfig("api", ApiAuth.ISSUER_KEY)).as("compose api: the issuer of bin/token's tokens")
                .isEqualTo(ApiAuth.binTokenIssuer());

        // The key location is inside a read-only bind mount of bin/token's key folder, at its public.pem.
        String location = effectiveConfig("api", ApiAuth.KEY_LOCATION_KEY);
        assertThat(location).as("compose api: " + ApiAuth.KEY_LOCATION_ENV + ": the mounted PEM file").startsWith("/");
        Mount mount = mounts("api").stream().filter(m -> m.bind() && location.startsWith(m.target() + "/")).findFirst()
                .orElseGet(() -> fail("compose api: no bind mount holds %s (%s)", location, ApiAuth.KEY_LOCATION_ENV));
        assertThat(mount.readOnly()).as("compose api: the key folder is mounted read-only").isTrue();
        assertThat(ROOT.relativize(ROOT.resolve(mount.source()).normalize()).toString())
                .as("compose api: the mount's source is bin/token's key folder").isEqualTo(ApiAuth.binTokenKeyDir());
        assertThat(location.substring(mount.target().length() + 1)).as("compose api: the file bin/token writes")
                .isEqualTo("public.pem");
        // A missing folder must stop compose, not become an empty root-owned folder bin/token cannot write in.
        assertThat(mount.createHostPath()).as("compose api: bind.create_host_path of " + mount.source()).isFalse();
        assertThat(read(ROOT.resolve("docker-compose.yml"))).as("the header says to run bin/token first")
                .contains("bin/token admin ops");

        for (String name : workerServices()) {
            assertThat(environment(name)).as(name + ": the workers take no calls, so no authentication settings")
                    .doesNotContainKeys(ApiAuth.MODE_ENV, ApiAuth.KEY_LOCATION_ENV, ApiAuth.ISSUER_ENV);
        }
    }

    @Test
    void appsReachPostgresAndRedisByServiceName() {
        Map<String, Object> pgEnv = environment("postgres");
        for (String name : appServices()) {
            String jdbc = effectiveConfig(name, "quarkus.datasource.jdbc.url");
            assertThat(jdbc).as(name + " JDBC URL").startsWith("jdbc:postgresql://");
            URI db = URI.create(jdbc.substring("jdbc:".length()));
            assertThat(db.getHost()).as(name + " JDBC host").isEqualTo("postgres");
            assertThat(db.getPort()).as(name + " JDBC port").isIn(-1, 5432);
            assertThat(db.getPath()).as(name + " database").isEqualTo("/" + pgEnv.get("POSTGRES_DB"));
            assertThat(effectiveConfig(name, "quarkus.datasource.username")).as(name + " DB user")
                    .isEqualTo(pgEnv.get("POSTGRES_USER"));
            assertThat(effectiveConfig(name, "quarkus.datasource.password")).as(name + " DB password")
                    .isEqualTo(pgEnv.get("POSTGRES_PASSWORD"));

            for (String host : effectiveConfig(name, "quarkus.redis.hosts").split(",")) {
                URI redis = URI.create(host.trim());
                assertThat(redis.getHost()).as(name + " Redis host").isEqualTo("redis");
                assertThat(redis.getPort()).as(name + " Redis port")
                        .isEqualTo(Integer.parseInt(redisOptions().getOrDefault("port", "6379")));
            }
        }
    }

    @Test
    void apiPortMappingTargetsTheApiHttpPort() {
        List<String> targets = list(services.get("api").get("ports")).stream().map(ComposeFileTest::containerPort).toList();
        // httpPort: quarkus.http.port of sms-api's application.properties, unless compose overrides it
        assertThat(targets).as("api ports: container side").containsExactly(httpPort("api"));
    }

    @Test
    void operatorEndpointsAreOnAManagementPortNoHostPortPublishes() {
        for (String name : appServices()) {
            assertThat(effectiveConfig(name, "quarkus.management.enabled")).as(name + ": management interface")
                    .isEqualTo("true");
            assertThat(managementPort(name)).as(name + ": the management port is not the HTTP port")
                    .isNotEqualTo(httpPort(name));
            List<String> published = list(services.get(name).get("ports")).stream().map(ComposeFileTest::containerPort)
                    .toList();
            assertThat(published).as(name + ": metrics, health and OpenAPI are not for the host")
                    .doesNotContain(managementPort(name));
        }
    }

    @Test
    void healthchecksProbeTheAppsHealthEndpoints() {
        for (String name : appServices()) {
            URI probe = healthcheckUrl(name);
            assertThat(probe.getHost()).as(name + " healthcheck host").isEqualTo("localhost");
            assertThat(String.valueOf(probe.getPort())).as(name + " healthcheck port").isEqualTo(managementPort(name));
            assertThat(probe.getPath()).as(name + " healthcheck path").isIn(HEALTH_PATHS);
        }
        assertThat(String.join(" ", list(map(services.get("redis").get("healthcheck")).get("test"))))
                .contains("redis-cli", "ping");
        assertThat(String.join(" ", list(map(services.get("postgres").get("healthcheck")).get("test"))))
                .contains("pg_isready");
        // The apps serve /q/health only with SmallRye Health, at the default paths.
        assertThat(read(ROOT.resolve("sms-common/pom.xml"))).contains("<artifactId>quarkus-smallrye-health</artifactId>");
        for (Path module : List.of(ROOT.resolve("sms-api"), ROOT.resolve("sms-worker"))) {
            assertThat(appConfig(module).keySet()).as(module + ": keys that move /q/health")
                    .noneMatch(k -> k.startsWith("quarkus.http.non-application-root-path")
                            || k.startsWith("quarkus.http.root-path")
                            || k.startsWith("quarkus.management.root-path")
                            || k.matches("quarkus\\.smallrye-health\\.(root|liveness|readiness)-path"));
        }
    }

    @Test
    void startOrderFollowsTheSchemaOwnership() {
        // The API migrates the schema; a worker started before that exits 3.
        assertThat(dependsOn("api")).containsEntry("postgres", "service_healthy").containsEntry("redis", "service_healthy");
        for (String name : workerServices()) {
            assertThat(dependsOn(name)).as(name).containsEntry("api", "service_healthy");
        }
        for (String name : services.keySet()) {
            dependsOn(name).forEach((dep, condition) -> {
                assertThat(services).as(name + " depends on").containsKey(dep);
                if (condition.equals("service_healthy")) {
                    assertThat(services.get(dep)).as(dep + " needs a healthcheck: " + name + " waits for it")
                            .containsKey("healthcheck");
                }
            });
        }
        for (String name : appServices()) {
            assertThat(services.get(name).get("restart")).as(name + " restart").isEqualTo("unless-stopped");
        }
    }

    @Test
    void workersGetMoreTimeToStopThanTheirDrainBound() {
        for (String name : workerServices()) {
            Duration drain = DurationConverter.parseDuration(effectiveConfig(name, "sms.worker.shutdown-timeout"));
            Object grace = services.get(name).get("stop_grace_period");
            assertThat(grace).as(name + " stop_grace_period (Docker's default is 10s)").isNotNull();
            assertThat(composeDuration(grace.toString())).as(name + " stop_grace_period vs sms.worker.shutdown-timeout")
                    .isGreaterThan(drain);
        }
    }

    @Test
    void imagesRunTheFastJarAsANonRootUser() {
        assertThat(appServices().stream().map(ComposeFileTest::module).distinct().toList()).hasSize(2);
        for (String name : appServices()) {
            Map<String, Object> build = map(services.get(name).get("build"));
            Path module = module(name);
            Path dockerfile = module.resolve(String.valueOf(build.get("dockerfile")));
            assertThat(dockerfile).as(name + " Dockerfile").exists()
                    .isEqualTo(module.resolve("src/main/docker/Dockerfile.jvm"));
            List<String[]> instructions = dockerfile(dockerfile);
            String where = ROOT.relativize(dockerfile).toString();

            String from = single(instructions, "FROM");
            assertThat(from).as(where + " FROM").startsWith("registry.access.redhat.com/ubi9/openjdk-");
            Matcher jdk = Pattern.compile("openjdk-(\\d+)-runtime").matcher(from);
            assertThat(jdk.find()).as(where + " FROM a runtime image").isTrue();
            assertThat(Integer.parseInt(jdk.group(1))).as(where + ": JDK of the image vs maven.compiler.release")
                    .isGreaterThanOrEqualTo(compilerRelease());

            List<String> copies = all(instructions, "COPY");
            assertThat(copies).as(where + " COPY").allSatisfy(c -> {
                List<String> words = List.of(c.split("\\s+"));
                assertThat(words).as(c).contains("--chown=185");
                List<String> paths = words.stream().filter(w -> !w.startsWith("--")).toList();
                assertThat(paths.subList(0, paths.size() - 1)).as(c + ": sources")
                        .allSatisfy(src -> assertThat(src).startsWith("target/quarkus-app/"));
            });
            assertThat(copies).as(where + " copies the four fast-jar parts")
                    .anyMatch(c -> c.contains("target/quarkus-app/lib/ /deployments/lib/"))
                    .anyMatch(c -> c.contains("target/quarkus-app/*.jar /deployments/"))
                    .anyMatch(c -> c.contains("target/quarkus-app/app/ /deployments/app/"))
                    .anyMatch(c -> c.contains("target/quarkus-app/quarkus/ /deployments/quarkus/"));
            assertThat(all(instructions, "ENV")).as(where + " ENV")
                    .anyMatch(e -> e.matches("JAVA_APP_JAR=\"?/deployments/quarkus-run.jar\"?"));
            assertThat(appConfig(module).getOrDefault("quarkus.package.jar.type", "fast-jar"))
                    .as(ROOT.relativize(module) + ": the Dockerfile copies a fast-jar").isEqualTo("fast-jar");

            List<String> users = all(instructions, "USER");
            assertThat(users).as(where + " USER").isNotEmpty();
            assertThat(users.get(users.size() - 1)).as(where + " runs as").isNotIn("root", "0", "0:0", "root:root")
                    .isEqualTo("185");

            // The API's port and the management port; a worker's HTTP port serves nothing and is not exposed.
            String managementPort = appConfig(module).get("quarkus.management.port");
            List<String> exposed = module.endsWith("sms-worker") ? List.of(managementPort)
                    : List.of(appConfig(module).get("quarkus.http.port"), managementPort);
            assertThat(all(instructions, "EXPOSE").stream().flatMap(e -> Arrays.stream(e.split("\\s+"))).toList())
                    .as(where + " EXPOSE").containsExactlyElementsOf(exposed);
            assertThat(all(instructions, "ENV")).as(where + ": the management interface listens beyond localhost")
                    .anyMatch(e -> e.contains("-Dquarkus.management.host=0.0.0.0"));
            String healthcheck = single(instructions, "HEALTHCHECK");
            Matcher url = URL.matcher(healthcheck);
            assertThat(url.find()).as(where + " HEALTHCHECK URL").isTrue();
            URI probe = URI.create(interpolateDefaults(url.group()));
            assertThat(probe.getPath()).as(where + " HEALTHCHECK path").isIn(HEALTH_PATHS);
            assertThat(String.valueOf(probe.getPort())).as(where + " HEALTHCHECK port").isEqualTo(managementPort);
            assertThat(healthcheck).contains("curl");

            assertThat(single(instructions, "ENTRYPOINT")).as(where + " ENTRYPOINT")
                    .contains("/opt/jboss/container/java/run/run-java.sh");
        }
        // The queue comes from compose (command) or Kubernetes (args): a default in the image would hide a missing one.
        assertThat(all(dockerfile(ROOT.resolve("sms-worker/src/main/docker/Dockerfile.jvm")), "CMD")).isEmpty();
    }

    // --------------------------------------------------------------------------------------------- monitoring ----

    @Test
    void prometheusAndGrafanaRunFromPinnedImagesOnTheirUsualPorts() {
        assertThat(services).containsKeys("prometheus", "grafana");
        for (String name : List.of("prometheus", "grafana")) {
            String image = String.valueOf(services.get(name).get("image"));
            assertThat(image).as(name + " image: a pinned tag").contains(":").doesNotEndWith(":latest");
            assertThat(services.get(name)).as(name + ": an image, not one of our modules").doesNotContainKey("build");
            assertThat(services.get(name).get("restart")).isEqualTo("unless-stopped");
        }
        assertThat(services.get("prometheus").get("image").toString()).startsWith("prom/prometheus:");
        assertThat(services.get("grafana").get("image").toString()).startsWith("grafana/grafana:");
        assertThat(list(services.get("prometheus").get("ports"))).containsExactly("9090:9090");
        assertThat(list(services.get("grafana").get("ports"))).containsExactly("3000:3000");
    }

    @Test
    void prometheusLoadsTheMountedConfigAndAlertRules() {
        Path config = prometheusConfigFile();
        assertThat(config).as("the mounted --config.file").exists();
        Map<String, Object> prometheus = yamlFile(config);
        for (String rules : list(prometheus.get("rule_files"))) {
            assertThat(config.resolveSibling(rules)).as("rule file " + rules + " (relative to the config)").exists();
        }
        assertThat(list(prometheus.get("rule_files"))).contains("alerts.yml");
    }

    @Test
    void prometheusScrapesEveryReplicaOfEveryAppServiceThroughDockerDns() {
        Map<String, Map<String, Object>> jobs = new LinkedHashMap<>();
        for (Object job : (List<?>) yamlFile(prometheusConfigFile()).get("scrape_configs")) {
            jobs.put(String.valueOf(map(job).get("job_name")), map(job));
        }
        for (String name : appServices()) {
            // Job names are what the alerts and the dashboard select on, the same in Kubernetes (deploy/k8s).
            String jobName = "sms-" + name;
            assertThat(jobs).as("a scrape job for service " + name).containsKey(jobName);
            Map<String, Object> job = jobs.get(jobName);
            assertThat(job.get("metrics_path")).as(jobName + " metrics_path").isEqualTo("/q/metrics");
            List<?> dns = (List<?>) job.get("dns_sd_configs");
            assertThat(dns).as(jobName + ": Docker DNS finds every --scale replica").hasSize(1);
            Map<String, Object> sd = map(dns.get(0));
            assertThat(list(sd.get("names"))).as(jobName + " DNS name").containsExactly(name);
            assertThat(sd.get("type")).isEqualTo("A");
            assertThat(String.valueOf(sd.get("port"))).as(jobName + " port: the management port")
                    .isEqualTo(managementPort(name));
        }
    }

    @Test
    void grafanaIsProvisionedWithPrometheusPostgresAndTheDashboards() {
        Map<String, String> mounts = bindMounts("grafana");
        assertThat(mounts).as("grafana provisioning").containsEntry("/etc/grafana/provisioning", "deploy/grafana/provisioning");
        Map<String, Object> provider = map(
                ((List<?>) yamlFile(ROOT.resolve("deploy/grafana/provisioning/dashboards/dashboards.yml"))
                        .get("providers")).get(0));
        String dashboards = String.valueOf(map(provider.get("options")).get("path"));
        assertThat(mounts).as("the provider's path is where the dashboards are mounted").containsEntry(dashboards,
                "deploy/grafana/dashboards");
        Map<String, Object> env = environment("grafana");
        assertThat(env).as("anonymous viewers").containsEntry("GF_AUTH_ANONYMOUS_ENABLED", "true")
                .containsEntry("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer");
        String home = String.valueOf(env.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
        assertThat(home).startsWith(dashboards + "/");
        assertThat(ROOT.resolve("deploy/grafana/dashboards").resolve(home.substring(dashboards.length() + 1))).exists();

        Map<String, Map<String, Object>> datasources = new LinkedHashMap<>();
        for (Object ds : (List<?>) yamlFile(ROOT.resolve("deploy/grafana/provisioning/datasources/datasources.yml"))
                .get("datasources")) {
            datasources.put(String.valueOf(map(ds).get("type")), map(ds));
        }
        URI prometheus = URI.create(String.valueOf(datasources.get("prometheus").get("url")));
        assertThat(services).containsKey(prometheus.getHost());
        assertThat(prometheus.getPort()).as("Prometheus' port inside the network").isEqualTo(9090);

        Map<String, Object> pg = datasources.get("grafana-postgresql-datasource");
        assertThat(pg).as("a PostgreSQL datasource (top clients from the message log)").isNotNull();
        Map<String, Object> pgEnv = environment("postgres");
        assertThat(String.valueOf(pg.get("url"))).isEqualTo("postgres:5432");
        assertThat(map(pg.get("jsonData")).get("database")).isEqualTo(pgEnv.get("POSTGRES_DB"));
        assertThat(pg.get("user")).isEqualTo(pgEnv.get("POSTGRES_USER"));
        assertThat(map(pg.get("secureJsonData")).get("password")).isEqualTo(pgEnv.get("POSTGRES_PASSWORD"));
    }

    static Path prometheusConfigFile() {
        List<String> command = list(services.get("prometheus").get("command"));
        String configFile = command.stream().filter(c -> c.startsWith("--config.file="))
                .map(c -> c.substring("--config.file=".length()))
                .findFirst().orElse("/etc/prometheus/prometheus.yml");
        Map<String, String> mounts = bindMounts("prometheus");
        String dir = configFile.substring(0, configFile.lastIndexOf('/'));
        assertThat(mounts).as("prometheus: a bind mount at " + dir).containsKey(dir);
        return ROOT.resolve(mounts.get(dir)).resolve(configFile.substring(dir.length() + 1));
    }

    /** Bind mounts of a service: container path -> host path relative to the repository root. */
    static Map<String, String> bindMounts(String service) {
        Map<String, String> mounts = new LinkedHashMap<>();
        for (Mount m : mounts(service)) {
            if (m.bind()) {
                mounts.put(m.target(), ROOT.relativize(ROOT.resolve(m.source()).normalize()).toString());
                assertThat(ROOT.resolve(m.source())).as(service + " mounts " + m.source()).exists();
            }
        }
        return mounts;
    }

    /** One entry of a service's volumes; source is a host path (bind) or a volume name. */
    record Mount(String source, String target, boolean bind, boolean readOnly, boolean createHostPath) {}

    /** A service's volumes, in the short ("./src:/target:ro") or the long syntax (type: bind, source, target...). */
    static List<Mount> mounts(String service) {
        List<Mount> mounts = new ArrayList<>();
        Object volumes = services.get(service).get("volumes");
        for (Object v : volumes instanceof List<?> l ? l : List.of()) {
            if (v instanceof Map<?, ?>) {
                Map<String, Object> m = map(v);
                boolean bind = "bind".equals(m.get("type"));
                // Long syntax: the host folder is created only when bind.create_host_path says so.
                mounts.add(new Mount(String.valueOf(m.get("source")), String.valueOf(m.get("target")), bind,
                        Boolean.TRUE.equals(m.get("read_only")),
                        bind && Boolean.TRUE.equals(map(m.get("bind")).get("create_host_path"))));
            } else {
                String[] parts = String.valueOf(v).split(":");
                boolean bind = parts[0].startsWith(".") || parts[0].startsWith("/");
                boolean readOnly = parts.length > 2 && List.of(parts[2].split(",")).contains("ro");
                // Short syntax always creates a missing host folder (as root).
                mounts.add(new Mount(parts[0], parts[1], bind, readOnly, bind));
            }
        }
        return mounts;
    }

    static Map<String, Object> yamlFile(Path file) {
        try (Reader r = Files.newBufferedReader(file)) {
            return new Yaml().load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ compose ----

    static List<String> workerServices() {
        List<String> names = services.keySet().stream().filter(n -> n.startsWith(WORKER_PREFIX)).toList();
        assertThat(names).isNotEmpty();
        return names;
    }

    /** Services built from one of our modules. */
    static List<String> appServices() {
        List<String> names = services.keySet().stream().filter(n -> services.get(n).containsKey("build")).toList();
        assertThat(names).contains("api").containsAll(workerServices());
        return names;
    }

    static Path module(String service) {
        Object build = services.get(service).get("build");
        assertThat(build).as(service + " build").isNotNull();
        String context = build instanceof Map<?, ?> m ? String.valueOf(m.get("context")) : build.toString();
        return ROOT.resolve(context).normalize();
    }

    static Map<String, Object> environment(String service) {
        Object env = services.get(service).get("environment");
        if (env == null) {
            return Map.of();
        }
        if (env instanceof Map<?, ?>) {
            return map(env);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        for (String entry : list(env)) {
            int eq = entry.indexOf('=');
            result.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? null : entry.substring(eq + 1));
        }
        return result;
    }

    /** What the app in this service sees: compose environment, else the app's properties, else the shared ones. */
    static String effectiveConfig(String service, String key) {
        Object fromEnv = environment(service).get(envName(key));
        if (fromEnv != null) {
            return interpolateDefaults(fromEnv.toString());
        }
        String fromFiles = appConfig(module(service)).get(key);
        if (fromFiles != null) {
            return fromFiles;
        }
        BuiltApp.ConfigKey declared = BuiltApp.ofModule(module(service)).configKeys().get(key);
        if (declared != null && declared.defaultValue().isPresent()) {
            return declared.defaultValue().get();
        }
        return fail("%s: %s is set nowhere", service, key);
    }

    static String httpPort(String service) {
        return effectiveConfig(service, "quarkus.http.port");
    }

    static String managementPort(String service) {
        return effectiveConfig(service, "quarkus.management.port");
    }

    static URI healthcheckUrl(String service) {
        Map<String, Object> hc = map(services.get(service).get("healthcheck"));
        assertThat(hc).as(service + " healthcheck").isNotEmpty();
        Matcher m = URL.matcher(String.join(" ", list(hc.get("test"))));
        assertThat(m.find()).as(service + " healthcheck URL").isTrue();
        return URI.create(interpolateDefaults(m.group()));
    }

    static Map<String, String> dependsOn(String service) {
        Object deps = services.get(service).get("depends_on");
        Map<String, String> result = new LinkedHashMap<>();
        if (deps instanceof Map<?, ?>) {
            map(deps).forEach((k, v) -> result.put(k, String.valueOf(map(v).getOrDefault("condition", "service_started"))));
        } else if (deps != null) {
            list(deps).forEach(d -> result.put(d, "service_started"));
        }
        return result;
    }

    static Map<String, String> redisOptions() {
        List<String> command = list(services.get("redis").get("command"));
        assertThat(command).as("redis command").isNotEmpty();
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < command.size(); i++) {
            String word = command.get(i);
            if (word.startsWith("--")) {
                String value = i + 1 < command.size() && !command.get(i + 1).startsWith("--") ? command.get(i + 1) : "";
                options.put(word.substring(2), value);
            }
        }
        return options;
    }

    static void assertNamedVolumeAt(String service, String target) {
        Set<String> declared = map(compose.get("volumes")).keySet();
        assertThat(list(services.get(service).get("volumes"))).as(service + " volumes").anySatisfy(v -> {
            String[] parts = v.split(":");
            assertThat(parts[1]).isEqualTo(target);
            assertThat(declared).as("a named volume (top-level volumes:)").contains(parts[0]);
        });
    }

    static String containerPort(String mapping) {
        String[] parts = mapping.replaceFirst("/(tcp|udp)$", "").split(":");
        return parts[parts.length - 1];
    }

    /** Compose durations: Go syntax, e.g. 30s, 1m30s, 1500ms. */
    static Duration composeDuration(String value) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            end = m.end();
        }
        assertThat(end).as("duration " + value).isEqualTo(value.length()).isPositive();
        return total;
    }

    /** ${VAR:-default} → default: the value when the user sets nothing. */
    static String interpolateDefaults(String value) {
        Matcher m = INTERPOLATION.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            assertThat(m.group(2)).as("no default in " + value).isNotNull();
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(2)));
        }
        return m.appendTail(sb).toString();
    }

    // -------------------------------------------------------------------------------------------- app config ----

    /** Keys of the prod profile: the shared defaults overridden by the module's application.properties, as packaged. */
    static Map<String, String> appConfig(Path module) {
        return BuiltApp.ofModule(module).config();
    }

    /**
     * Environment variable names the app reads: its configuration keys (packaged properties files, the
     * {@code @ConfigMapping} interfaces and {@code @ConfigProperty} injection points of its classes and sms-common's)
     * as SmallRye maps them, and the {@code mp.jwt.*} keys of smallrye-jwt if the module depends on it
     * ({@link ApiAuth#MP_JWT_KEYS}).
     */
    static Set<String> knownEnvNames(Path module) {
        BuiltApp app = BuiltApp.ofModule(module);
        Set<String> keys = new HashSet<>(app.config().keySet());
        keys.addAll(app.configKeys().keySet());
        Set<String> names = keys.stream().map(ComposeFileTest::envName).collect(Collectors.toSet());
        // MP_JWT_*: smallrye-jwt's own keys (mp.jwt.verify.publickey.location, ...), read only where it is a dependency.
        names.addAll(ApiAuth.jwtEnvNames(module));
        return names;
    }

    /** SmallRye's environment variable name for a key: non-alphanumerics become '_', upper case. */
    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    static int compilerRelease() {
        Matcher m = Pattern.compile("<maven.compiler.release>(\\d+)</maven.compiler.release>")
                .matcher(read(ROOT.resolve("pom.xml")));
        assertThat(m.find()).as("maven.compiler.release in the root pom").isTrue();
        return Integer.parseInt(m.group(1));
    }

    // --------------------------------------------------------------------------------------------- Dockerfile ----

    /** Instructions as {KEYWORD, arguments}, continuation lines joined, comments dropped. */
    static List<String[]> dockerfile(Path file) {
        List<String[]> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read(file).split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            boolean continued = trimmed.endsWith("\\");
            current.append(continued ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
            if (!continued) {
                String[] parts = current.toString().trim().split("\\s+", 2);
                result.add(new String[] {parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1].trim() : ""});
                current.setLength(0);
            }
        }
        return result;
    }

    static List<String> all(List<String[]> instructions, String keyword) {
        return instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
    }

    static String single(List<String[]> instructions, String keyword) {
        List<String> found = all(instructions, keyword);
        assertThat(found).as(keyword).hasSize(1);
        return found.get(0);
    }

    // ----------------------------------------------------------------------------------------------- helpers ----

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    static List<String> list(Object o) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return Arrays.asList(o.toString().trim().split("\\s+"));
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
