package com.acme.sms.deploy;

import static com.acme.sms.deploy.ComposeFileTest.HEALTH_PATHS;
import static com.acme.sms.deploy.ComposeFileTest.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.acme.sms.deploy.KubernetesModel.Rendered;
import com.acme.sms.deploy.KubernetesModel.ScaledObject;
import com.acme.sms.deploy.KubernetesModel.Trigger;
import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.system.BuiltApp;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.quarkus.runtime.configuration.DurationConverter;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/k8s against the Kubernetes object model and against the code: each overlay is rendered with
 * {@code kubectl kustomize} (no cluster needed), every object must map onto its schema without unknown fields, and
 * every port, argument, environment variable, probe path and stream name must be one the apps really use.
 * Needs {@code kubectl} on PATH, or the one {@code SMS_KUBECTL} names (fails, naming it, when missing). Any kubectl
 * from 1.20 on (Debian 12's {@code kubernetes-client}, with kustomize v2.0.3) to current ones (kustomize v5) must
 * render the same objects: the checks hold for both, e.g.
 * {@code SMS_KUBECTL=/path/to/kubectl-1.20 mvn -B test -pl sms-system-tests -am -Dtest='com.acme.sms.deploy.*Test'
 * -Dsurefire.failIfNoSpecifiedTests=false} at the repository root.
 */
class KubernetesManifestsTest {

    static final Path K8S = ROOT.resolve("deploy/k8s");
    static final List<String> OVERLAYS = List.of("local", "production");
    static final String API = "sms-api";
    static final String WORKER_PREFIX = "sms-worker-";
    static final Pattern URL = Pattern.compile("https?://[^\\s\"';]+");

    static Map<String, List<Rendered>> rendered;

    @BeforeAll
    static void render() {
        rendered = new LinkedHashMap<>();
        for (String overlay : OVERLAYS) {
            rendered.put(overlay, KubernetesModel.render(ROOT, K8S.resolve("overlays").resolve(overlay)));
        }
    }

    static Stream<String> overlays() {
        return OVERLAYS.stream();
    }

    // --------------------------------------------------------------------------------------------- schema ----

    @Test
    void everyOverlayIsChecked() throws IOException {
        try (Stream<Path> dirs = Files.list(K8S.resolve("overlays"))) {
            assertThat(dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(OVERLAYS);
        }
    }

    @Test
    void theStrictMappingRejectsUnknownFieldsAndWrongTypes() {
        // The checks below are only as good as this: fabric8 would otherwise keep unknown fields silently.
        Map<String, Object> typo = new Yaml().load("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  selector: {matchLabels: {a: b}}
                  template:
                    metadata: {labels: {a: b}}
                    spec:
                      containers:
                        - name: c
                          image: i
                          livenessProbe: {httpGet: {path: /q/health/live, port: 8080}, periodSecond: 5}
                """);
        assertThatThrownBy(() -> KubernetesModel.validate(typo)).hasMessageContaining("periodSecond");
        Map<String, Object> unquoted = new Yaml().load("""
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: x}
                spec:
                  scaleTargetRef: {name: x}
                  triggers: [{type: redis-streams, metadata: {stream: s, streamLength: 50}}]
                """);
        assertThatThrownBy(() -> KubernetesModel.validate(unquoted)).hasMessageContaining("streamLength");
        Map<String, Object> unknownKedaField = new Yaml().load("""
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: x}
                spec: {scaleTargetRef: {name: x}, minReplicas: 1, triggers: []}
                """);
        assertThatThrownBy(() -> KubernetesModel.validate(unknownKedaField)).hasMessageContaining("minReplicas");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theExpectedObjectsAreRenderedIntoTheOverlaysNamespace(String overlay) {
        List<String> apps = appNames();
        assertThat(names(overlay, Deployment.class)).containsExactlyInAnyOrderElementsOf(apps);
        assertThat(names(overlay, Service.class)).containsAll(apps);
        assertThat(names(overlay, PodDisruptionBudget.class)).containsExactlyInAnyOrderElementsOf(apps);
        assertThat(names(overlay, HorizontalPodAutoscaler.class)).containsExactly(API);
        assertThat(names(overlay, ScaledObject.class)).containsExactlyInAnyOrderElementsOf(workerNames());

        List<Namespace> namespaces = all(overlay, Namespace.class);
        assertThat(namespaces).as(overlay + ": its own Namespace object, so that one `kubectl apply -k` suffices").hasSize(1);
        String ns = namespaces.get(0).getMetadata().getName();
        for (Rendered r : rendered.get(overlay)) {
            if (!(r.typed() instanceof Namespace)) {
                assertThat(r.metadata().getNamespace()).as(overlay + ": namespace of " + r.kind() + " " + r.name())
                        .isEqualTo(ns);
            }
        }
    }

    // ------------------------------------------------------------------------------------- apps vs code ----

    @ParameterizedTest
    @MethodSource("overlays")
    void oneWorkerDeploymentPerQueueWithTheArgumentWorkerMainAccepts(String overlay) {
        Set<MessageType> covered = EnumSet.noneOf(MessageType.class);
        for (String name : workerNames()) {
            Container worker = appContainer(overlay, name);
            assertThat(worker.getCommand()).as(name + ": the image's ENTRYPOINT (run-java.sh) must run").isNullOrEmpty();
            String queue = name.substring(WORKER_PREFIX.length());
            assertThat(worker.getArgs()).as(name + " args").containsExactly("--queue=" + queue);
            Optional<MessageType> type = MessageType.parse(queue);
            assertThat(type).as(name + ": a queue WorkerMain accepts").isPresent();
            assertThat(covered.add(type.get())).as(name + ": a second Deployment for " + queue).isTrue();
            assertThat(module(worker)).isEqualTo(ROOT.resolve("sms-worker"));
        }
        assertThat(covered).containsExactlyInAnyOrder(MessageType.values());
        assertThat(module(appContainer(overlay, API))).isEqualTo(ROOT.resolve("sms-api"));
        assertThat(appContainer(overlay, API).getArgs()).isNullOrEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void containerPortsAreTheAppsHttpAndManagementPorts(String overlay) {
        for (String name : appNames()) {
            Container c = appContainer(overlay, name);
            // A worker's HTTP port serves nothing: only its management port (health, metrics) is declared.
            List<Integer> ports = name.equals(API) ? List.of(httpPort(overlay, c), managementPort(overlay, c))
                    : List.of(managementPort(overlay, c));
            assertThat(c.getPorts()).as(name + " ports").extracting(ContainerPort::getContainerPort)
                    .containsExactlyElementsOf(ports);
            assertThat(managementPort(overlay, c)).as(name + ": management port apart from the HTTP port")
                    .isNotEqualTo(httpPort(overlay, c));
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyEnvironmentVariableIsOneTheAppReads(String overlay) {
        Set<String> kedaEnv = new HashSet<>();
        for (ScaledObject so : all(overlay, ScaledObject.class)) {
            so.spec().triggers().forEach(t -> t.metadata().forEach((k, v) -> {
                if (k.endsWith("FromEnv")) {
                    kedaEnv.add(v);
                }
            }));
        }
        for (String name : appNames()) {
            Container c = appContainer(overlay, name);
            Set<String> known = ComposeFileTest.knownEnvNames(module(c));
            Map<String, String> env = env(overlay, c);
            assertThat(env).as(name + ": the Secret with the endpoints")
                    .containsKeys("QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD",
                            "QUARKUS_REDIS_HOSTS");
            for (String key : env.keySet()) {
                // MP_JWT_*: smallrye-jwt's keys, known to sms-api only (ComposeFileTest.knownEnvNames).
                if (key.startsWith("QUARKUS_") || key.startsWith("SMS_") || key.startsWith("MP_JWT_")) {
                    assertThat(known).as(overlay + " " + name + ": " + key + " matches no configuration key of "
                            + ROOT.relativize(module(c)) + " (typo, or a renamed key?)").contains(key);
                } else {
                    // JAVA_OPTS_APPEND would replace the image's -Dquarkus.http.host=0.0.0.0, and so on.
                    assertThat(kedaEnv).as(overlay + " " + name + ": " + key + " is read by neither the app nor KEDA")
                            .contains(key);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theApiRunsInAModeItAcceptsWithWhatThatModeNeeds(String overlay) {
        Container api = appContainer(overlay, API);
        Map<String, String> env = env(overlay, api);
        String mode = ApiAuth.assertSettings(overlay + " " + API, env);
        if (mode.equals(ApiAuth.JWT)) {
            String location = env.get(ApiAuth.KEY_LOCATION_ENV);
            if (location.startsWith("/")) {
                // A PEM file: it must come from a volume (a mounted Secret), not from the image.
                assertThat(api.getVolumeMounts()).as(overlay + " " + API + ": a volume mount holding " + location)
                        .anySatisfy(m -> assertThat(location).startsWith(m.getMountPath().replaceFirst("/?$", "/")));
            }
            assertThat(env.get(ApiAuth.ISSUER_ENV)).as(overlay + ": not the issuer of bin/token's local keys")
                    .isNotEqualTo(ApiAuth.binTokenIssuer());
        }
        for (String name : workerNames()) {
            assertThat(env(overlay, appContainer(overlay, name))).as(overlay + " " + name + ": workers take no calls")
                    .doesNotContainKeys(ApiAuth.MODE_ENV, ApiAuth.KEY_LOCATION_ENV, ApiAuth.ISSUER_ENV);
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void probesHitTheAppsHealthEndpoints(String overlay) {
        for (String name : appNames()) {
            Container c = appContainer(overlay, name);
            // Health is served on the management port only (issue 16).
            int port = managementPort(overlay, c);
            assertThat(httpGet(c, c.getLivenessProbe(), name + " liveness").getPath()).isEqualTo("/q/health/live");
            assertThat(httpGet(c, c.getReadinessProbe(), name + " readiness").getPath()).isEqualTo("/q/health/ready");
            assertThat(httpGet(c, c.getStartupProbe(), name + " startup").getPath()).isIn(HEALTH_PATHS);
            for (Probe p : List.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())) {
                assertThat(containerPort(c, p.getHttpGet().getPort())).as(name + " probe port").isEqualTo(port);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void podsAskToBeScrapedOnTheirMetricsEndpoint(String overlay) {
        boolean operator = !all(overlay, ServiceMonitor.class).isEmpty();
        for (String name : appNames()) {
            Map<String, String> annotations = deployment(overlay, name).getSpec().getTemplate().getMetadata().getAnnotations();
            Container c = appContainer(overlay, name);
            assertThat(annotations).as(name + " pod annotations")
                    .containsEntry("prometheus.io/path", "/q/metrics")
                    .containsEntry("prometheus.io/port", String.valueOf(managementPort(overlay, c)))
                    // With a ServiceMonitor, an annotation-based Prometheus would scrape every pod a second time.
                    .containsEntry("prometheus.io/scrape", String.valueOf(!operator));
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerHasRequestsAndLimits(String overlay) {
        for (Rendered r : rendered.get(overlay)) {
            PodSpec pod = podSpec(r);
            if (pod == null) {
                continue;
            }
            List<Container> containers = new ArrayList<>(pod.getContainers());
            containers.addAll(pod.getInitContainers());
            for (Container c : containers) {
                ResourceRequirements res = c.getResources();
                String what = overlay + " " + r.name() + "/" + c.getName() + " resources";
                assertThat(res).as(what).isNotNull();
                assertThat(res.getRequests()).as(what + " requests").containsKeys("cpu", "memory");
                assertThat(res.getLimits()).as(what + " limits").containsKey("memory");
                assertThat(Quantity.getAmountInBytes(res.getRequests().get("memory")))
                        .as(what + ": memory request within the limit")
                        .isLessThanOrEqualTo(Quantity.getAmountInBytes(res.getLimits().get("memory")));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void workersGetMoreTimeToStopThanTheirDrainBound(String overlay) {
        for (String name : workerNames()) {
            Deployment d = deployment(overlay, name);
            String configured = env(overlay, appContainer(overlay, name)).get("SMS_WORKER_SHUTDOWN_TIMEOUT");
            Duration drain = DurationConverter.parseDuration(configured != null ? configured : shutdownTimeoutDefault());
            Long grace = d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
            assertThat(grace).as(name + " terminationGracePeriodSeconds (default 30)").isNotNull();
            assertThat(Duration.ofSeconds(grace)).as(name + ": grace period vs SMS_WORKER_SHUTDOWN_TIMEOUT")
                    .isGreaterThan(drain);
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void workersWaitForTheApiWhichMigratesTheSchema(String overlay) {
        Service apiService = one(overlay, Service.class, API);
        Deployment api = deployment(overlay, API);
        for (String name : workerNames()) {
            PodSpec pod = deployment(overlay, name).getSpec().getTemplate().getSpec();
            assertThat(pod.getInitContainers()).as(name + " init containers").hasSize(1);
            Container wait = pod.getInitContainers().get(0);
            assertThat(wait.getImage()).as(name + ": the worker image (it has curl)")
                    .isEqualTo(appContainer(overlay, name).getImage());
            Matcher m = URL.matcher(String.join(" ", concat(wait.getCommand(), wait.getArgs())));
            assertThat(m.find()).as(name + ": init container polls a URL").isTrue();
            URI url = URI.create(m.group());
            assertThat(url.getHost()).as(name + ": polls the API's Service").isEqualTo(API);
            assertThat(url.getPath()).as(name + ": the API is ready only after migrating").isEqualTo("/q/health/ready");
            ServicePort port = apiService.getSpec().getPorts().stream().filter(p -> p.getPort() == url.getPort()).findFirst()
                    .orElseGet(() -> fail("%s polls port %d, which the Service %s does not have", name, url.getPort(), API));
            assertThat(containerPort(appContainer(overlay, API), port.getTargetPort())).as("Service sms-api target port")
                    .isEqualTo(managementPort(overlay, appContainer(overlay, API)));
        }
        // One new API pod at a time: one migration per rollout, and old pods stay until new ones are ready.
        assertThat(api.getSpec().getStrategy().getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString(1));
        assertThat(api.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(0));
        assertThat(ComposeFileTest.appConfig(ROOT.resolve("sms-api"))).containsEntry("quarkus.flyway.migrate-at-start", "true");
        assertThat(ComposeFileTest.appConfig(ROOT.resolve("sms-worker"))).containsEntry("quarkus.flyway.migrate-at-start",
                "false");
    }

    // ----------------------------------------------------------------------------------- wiring ----

    @ParameterizedTest
    @MethodSource("overlays")
    void theApiManagementPortIsOpenOnlyToThisNamespaceAndMonitoringWhileItsHttpPortIsOpenToAll(String overlay) {
        PodTemplateSpec apiPods = deployment(overlay, API).getSpec().getTemplate();
        Container api = appContainer(overlay, API);
        int http = httpPort(overlay, api);
        int management = managementPort(overlay, api);
        List<NetworkPolicy> policies = all(overlay, NetworkPolicy.class).stream()
                .filter(np -> labelsMatch(np.getSpec().getPodSelector().getMatchLabels(),
                        apiPods.getMetadata().getLabels()))
                .toList();
        assertThat(policies).as(overlay + ": NetworkPolicies on the API's pods").hasSize(1);
        NetworkPolicySpec spec = policies.get(0).getSpec();
        assertThat(spec.getPolicyTypes()).as("the policy restricts what comes in").contains("Ingress");
        boolean httpFromAll = false;
        List<NetworkPolicyPeer> managementPeers = new ArrayList<>();
        for (NetworkPolicyIngressRule rule : spec.getIngress()) {
            boolean fromAll = rule.getFrom() == null || rule.getFrom().isEmpty();
            // No ports: every port. A named port must be one the API container declares.
            List<Integer> ports = rule.getPorts() == null || rule.getPorts().isEmpty() ? List.of(http, management)
                    : rule.getPorts().stream().map(np -> containerPort(api, np.getPort())).toList();
            httpFromAll |= fromAll && ports.contains(http);
            if (ports.contains(management)) {
                assertThat(fromAll).as(overlay + ": the management port open to everyone").isFalse();
                managementPeers.addAll(rule.getFrom());
            }
        }
        assertThat(httpFromAll).as(overlay + ": the API's HTTP port open to its clients").isTrue();
        for (NetworkPolicyPeer peer : managementPeers) {
            assertThat(peer.getIpBlock()).as("an address block: the Ingress controller's, or the internet").isNull();
            if (peer.getNamespaceSelector() != null) {
                // An empty namespace selector is every namespace.
                assertThat(peer.getNamespaceSelector().getMatchLabels()).as("namespaces reaching the management port")
                        .isEqualTo(Map.of("kubernetes.io/metadata.name", "monitoring"));
                assertThat(peer.getNamespaceSelector().getMatchExpressions()).isNullOrEmpty();
            }
        }
        // The workers' wait-for-api init container asks the API's management port whether it is ready.
        for (String name : appNames().stream().filter(n -> n.startsWith(WORKER_PREFIX)).toList()) {
            Map<String, String> workerLabels = deployment(overlay, name).getSpec().getTemplate().getMetadata().getLabels();
            assertThat(managementPeers).as(overlay + ": " + name + " reaches the API's management port")
                    .anySatisfy(peer -> {
                        assertThat(peer.getNamespaceSelector()).isNull();
                        LabelSelector pods = peer.getPodSelector();
                        assertThat(pods).isNotNull();
                        boolean everyPod = (pods.getMatchLabels() == null || pods.getMatchLabels().isEmpty())
                                && (pods.getMatchExpressions() == null || pods.getMatchExpressions().isEmpty());
                        assertThat(everyPod || labelsMatch(pods.getMatchLabels(), workerLabels)).isTrue();
                    });
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void selectorsMatchTheirPodsAndServicePortsExist(String overlay) {
        for (Deployment d : all(overlay, Deployment.class)) {
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).as(d.getMetadata().getName() + " selector")
                    .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
        }
        for (StatefulSet s : all(overlay, StatefulSet.class)) {
            assertThat(s.getSpec().getTemplate().getMetadata().getLabels())
                    .containsAllEntriesOf(s.getSpec().getSelector().getMatchLabels());
            assertThat(names(overlay, Service.class)).as(s.getMetadata().getName() + " serviceName")
                    .contains(s.getSpec().getServiceName());
        }
        for (Service s : all(overlay, Service.class)) {
            List<PodTemplateSpec> pods = podTemplates(overlay).stream()
                    .filter(t -> labelsMatch(s.getSpec().getSelector(), t.getMetadata().getLabels())).toList();
            assertThat(pods).as(overlay + ": pods of Service " + s.getMetadata().getName()).hasSize(1);
            for (ServicePort p : s.getSpec().getPorts()) {
                assertThat(pods.get(0).getSpec().getContainers())
                        .as(s.getMetadata().getName() + " targetPort " + p.getTargetPort())
                        .anySatisfy(c -> assertThat(containerPortOrNull(c, p.getTargetPort())).isNotNull());
            }
        }
        for (PodDisruptionBudget pdb : all(overlay, PodDisruptionBudget.class)) {
            Deployment d = deployment(overlay, pdb.getMetadata().getName());
            assertThat(labelsMatch(pdb.getSpec().getSelector().getMatchLabels(),
                    d.getSpec().getTemplate().getMetadata().getLabels()))
                    .as("PodDisruptionBudget " + pdb.getMetadata().getName() + " selects its Deployment's pods").isTrue();
            assertThat(pdb.getSpec().getMinAvailable() == null ^ pdb.getSpec().getMaxUnavailable() == null)
                    .as(pdb.getMetadata().getName() + ": minAvailable or maxUnavailable").isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theApiScalesOnCpuAndTheAutoscalersOwnTheReplicaCounts(String overlay) {
        HorizontalPodAutoscaler hpa = one(overlay, HorizontalPodAutoscaler.class, API);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(API);
        assertThat(hpa.getSpec().getMinReplicas()).isPositive().isLessThanOrEqualTo(hpa.getSpec().getMaxReplicas());
        assertThat(hpa.getSpec().getMetrics()).anySatisfy(m -> assertThat(m.getResource().getName()).isEqualTo("cpu"));
        assertThat(appContainer(overlay, API).getResources().getRequests()).as("CPU utilization needs a CPU request")
                .containsKey("cpu");
        for (String name : appNames()) {
            // An autoscaled Deployment with `replicas` is reset by every `kubectl apply`.
            assertThat(deployment(overlay, name).getSpec().getReplicas()).as(name + " replicas").isNull();
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void kedaScalesEachWorkerOnItsStreamBacklog(String overlay) {
        for (ScaledObject so : all(overlay, ScaledObject.class)) {
            String name = so.metadata().getName();
            assertThat(so.apiVersion()).isEqualTo("keda.sh/v1alpha1");
            assertThat(so.spec().scaleTargetRef().name()).as(name + " target").isEqualTo(name);
            assertThat(so.spec().scaleTargetRef().kind()).isIn(null, "Deployment");
            Container target = appContainer(overlay, so.spec().scaleTargetRef().name());
            if (so.spec().scaleTargetRef().envSourceContainerName() != null) {
                assertThat(so.spec().scaleTargetRef().envSourceContainerName()).isEqualTo(target.getName());
            }
            MessageType type = MessageType.parse(target.getArgs().get(0).substring("--queue=".length())).orElseThrow();
            assertThat(so.spec().minReplicaCount()).as(name + " minReplicaCount (the scaler cannot wake a worker from 0)")
                    .isPositive();
            assertThat(so.spec().maxReplicaCount()).isGreaterThanOrEqualTo(so.spec().minReplicaCount());
            assertThat(so.spec().triggers()).as(name + " triggers").hasSize(1);
            Trigger t = so.spec().triggers().get(0);
            assertThat(t.type()).isEqualTo("redis-streams");
            Map<String, String> md = t.metadata();
            assertThat(KubernetesModel.REDIS_STREAMS_KEYS).as(name + ": redis-streams metadata keys KEDA knows")
                    .containsAll(md.keySet());
            assertThat(md).as(name).containsEntry("stream", RedisKeys.stream(type));
            if (md.containsKey("consumerGroup")) {
                assertThat(md.get("consumerGroup")).isEqualTo(Streams.GROUP);
                assertThat(md).as(name + ": KEDA ignores streamLength when consumerGroup is set")
                        .doesNotContainKey("streamLength");
            } else {
                assertThat(md).as(name + ": without consumerGroup KEDA scales on XLEN").containsKey("streamLength");
            }
            assertThat(threshold(md)).as(name + " target per replica").isPositive();

            // The Redis KEDA reads is the one the worker uses.
            Map<String, String> env = env(overlay, target);
            URI redis = URI.create(env.get("QUARKUS_REDIS_HOSTS").split(",")[0].trim());
            String address = md.containsKey("addressFromEnv") ? env.get(md.get("addressFromEnv")) : md.get("address");
            assertThat(address).as(name + ": address / addressFromEnv resolved in the worker's environment").isNotNull();
            assertThat(address).as(name + ": KEDA's Redis vs QUARKUS_REDIS_HOSTS")
                    .isEqualTo(redis.getHost() + ":" + portOf(redis));
            String db = redis.getPath() == null || redis.getPath().length() <= 1 ? "0" : redis.getPath().substring(1);
            assertThat(md.getOrDefault("databaseIndex", "0")).as(name + " databaseIndex").isEqualTo(db);
            assertThat(Boolean.parseBoolean(md.getOrDefault("enableTLS", "false")))
                    .as(name + " enableTLS vs " + redis.getScheme())
                    .isEqualTo(redis.getScheme().equals("rediss"));
            String urlPassword = redis.getUserInfo() == null ? ""
                    : redis.getUserInfo().substring(redis.getUserInfo().indexOf(':') + 1);
            String kedaPassword = md.containsKey("passwordFromEnv") ? env.get(md.get("passwordFromEnv")) : "";
            assertThat(kedaPassword).as(name + ": passwordFromEnv resolves to the password of QUARKUS_REDIS_HOSTS")
                    .isEqualTo(urlPassword);
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void expressScalesMoreEagerlyThanNormal(String overlay) {
        ScaledObject express = one(overlay, ScaledObject.class, WORKER_PREFIX + "express");
        ScaledObject normal = one(overlay, ScaledObject.class, WORKER_PREFIX + "normal");
        assertThat(threshold(express.spec().triggers().get(0).metadata())).as("backlog per replica")
                .isLessThan(threshold(normal.spec().triggers().get(0).metadata()));
        assertThat(express.spec().pollingInterval()).as("polling interval").isLessThan(normal.spec().pollingInterval());
        assertThat(express.spec().minReplicaCount()).as("min replicas").isGreaterThan(normal.spec().minReplicaCount());
        assertThat(express.spec().advanced().horizontalPodAutoscalerConfig().behavior().getScaleUp()
                .getStabilizationWindowSeconds())
                .as("scale-up delay")
                .isLessThan(normal.spec().advanced().horizontalPodAutoscalerConfig().behavior().getScaleUp()
                        .getStabilizationWindowSeconds());
    }

    // --------------------------------------------------------------------------------------- overlays ----

    @Test
    void localRunsRedisAndPostgresAsStatefulSetsTheAppsReach() {
        String overlay = "local";
        assertThat(names(overlay, StatefulSet.class)).containsExactlyInAnyOrder("redis", "postgres");

        StatefulSet redis = one(overlay, StatefulSet.class, "redis");
        Container rc = redis.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> options = options(concat(rc.getCommand(), rc.getArgs()));
        assertThat(options).as("redis-server options: AOF on, never evict (an evicted entry is a lost message)")
                .containsEntry("appendonly", "yes").containsEntry("maxmemory-policy", "noeviction");
        assertPersistentVolumeAt(redis, rc, options.getOrDefault("dir", "/data"));

        StatefulSet pg = one(overlay, StatefulSet.class, "postgres");
        Container pc = pg.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> pgEnv = env(overlay, pc);
        assertPersistentVolumeAt(pg, pc, "/var/lib/postgresql/data");
        assertThat(pgEnv.getOrDefault("PGDATA", "/var/lib/postgresql/data")).startsWith("/var/lib/postgresql/data");

        for (String name : appNames()) {
            Map<String, String> env = env(overlay, appContainer(overlay, name));
            URI db = URI.create(env.get("QUARKUS_DATASOURCE_JDBC_URL").substring("jdbc:".length()));
            assertThat(db.getHost()).as(name + " JDBC host").isEqualTo("postgres");
            assertThat(servicePortTo(overlay, "postgres", pc)).as(name + " JDBC port").isEqualTo(portOf(db, 5432));
            assertThat(db.getPath()).isEqualTo("/" + pgEnv.get("POSTGRES_DB"));
            assertThat(env.get("QUARKUS_DATASOURCE_USERNAME")).isEqualTo(pgEnv.get("POSTGRES_USER"));
            assertThat(env.get("QUARKUS_DATASOURCE_PASSWORD")).isEqualTo(pgEnv.get("POSTGRES_PASSWORD"));
            URI r = URI.create(env.get("QUARKUS_REDIS_HOSTS"));
            assertThat(r.getHost()).as(name + " Redis host").isEqualTo("redis");
            assertThat(servicePortTo(overlay, "redis", rc)).as(name + " Redis port").isEqualTo(portOf(r));
        }
    }

    @Test
    void productionRunsTheApiInJwtModeAndLocalInHeaderMode() {
        // Production is reachable from a network: header mode would let anyone act as any client.
        assertThat(ApiAuth.mode(env("production", appContainer("production", API)))).as("production " + ApiAuth.MODE_ENV)
                .isEqualTo(ApiAuth.JWT);
        // local stays in the default mode, as deploy/README.md and overlays/local/kustomization.yaml say.
        assertThat(ApiAuth.mode(env("local", appContainer("local", API)))).as("local " + ApiAuth.MODE_ENV)
                .isEqualTo("header");
    }

    @Test
    void productionUsesManagedServicesAndThePrometheusOperator() throws IOException {
        String overlay = "production";
        assertThat(all(overlay, StatefulSet.class)).as("production: managed Redis and PostgreSQL, no StatefulSet").isEmpty();
        for (String name : appNames()) {
            Map<String, String> env = env(overlay, appContainer(overlay, name));
            URI db = URI.create(env.get("QUARKUS_DATASOURCE_JDBC_URL").substring("jdbc:".length()));
            assertThat(db.getHost()).as("production JDBC host: not an in-cluster service").doesNotContain("postgres.")
                    .isNotEqualTo("postgres");
            assertThat(URI.create(env.get("QUARKUS_REDIS_HOSTS")).getHost()).isNotEqualTo("redis");
            assertThat(appContainer(overlay, name).getImage()).as(name + ": a pinned tag").doesNotEndWith(":latest")
                    .contains(":");
        }

        ServiceMonitor sm = all(overlay, ServiceMonitor.class).stream().findFirst()
                .orElseGet(() -> fail("production: no ServiceMonitor"));
        for (String name : appNames()) {
            Service s = one(overlay, Service.class, name);
            assertThat(labelsMatch(sm.getSpec().getSelector().getMatchLabels(), s.getMetadata().getLabels()))
                    .as("the ServiceMonitor selects Service " + name).isTrue();
            for (Endpoint e : sm.getSpec().getEndpoints()) {
                assertThat(e.getPath()).isEqualTo("/q/metrics");
                ServicePort port = s.getSpec().getPorts().stream().filter(p -> Objects.equals(p.getName(), e.getPort()))
                        .findFirst()
                        .orElseGet(() -> fail("Service %s has no port named %s (ServiceMonitor endpoint)", name, e.getPort()));
                assertThat(containerPort(appContainer(overlay, name), port.getTargetPort())).as(name + ": metrics port")
                        .isEqualTo(managementPort(overlay, appContainer(overlay, name)));
            }
        }

        // The PrometheusRule is alerts.yml (generated by sync-rules.sh): the same groups, rule for rule.
        PrometheusRule rule = all(overlay, PrometheusRule.class).stream().findFirst()
                .orElseGet(() -> fail("production: no PrometheusRule"));
        Map<String, Object> alerts;
        try (Reader r = Files.newBufferedReader(ROOT.resolve("deploy/prometheus/alerts.yml"))) {
            alerts = new Yaml().load(r);
        }
        Object renderedGroups = rendered.get(overlay).stream().filter(r -> r.typed() == rule).findFirst().orElseThrow().raw()
                .get("spec");
        assertThat(renderedGroups).as("PrometheusRule spec vs deploy/prometheus/alerts.yml: run "
                + "deploy/k8s/components/prometheus-operator/sync-rules.sh").isEqualTo(alerts);
    }

    // ------------------------------------------------------------------------------------------ helpers ----

    static List<String> workerNames() {
        return Stream.of(MessageType.values()).map(t -> WORKER_PREFIX + t.wireName()).toList();
    }

    static List<String> appNames() {
        List<String> names = new ArrayList<>(List.of(API));
        names.addAll(workerNames());
        return names;
    }

    static <T> List<T> all(String overlay, Class<T> type) {
        return rendered.get(overlay).stream().map(Rendered::typed).filter(type::isInstance).map(type::cast).toList();
    }

    static List<String> names(String overlay, Class<?> type) {
        return rendered.get(overlay).stream().filter(r -> type.isInstance(r.typed())).map(Rendered::name).toList();
    }

    static <T> T one(String overlay, Class<T> type, String name) {
        return rendered.get(overlay).stream().filter(r -> type.isInstance(r.typed()) && r.name().equals(name))
                .map(r -> type.cast(r.typed())).findFirst()
                .orElseGet(() -> fail("%s: no %s named %s", overlay, type.getSimpleName(), name));
    }

    static Deployment deployment(String overlay, String name) {
        return one(overlay, Deployment.class, name);
    }

    static Container appContainer(String overlay, String deployment) {
        List<Container> containers = deployment(overlay, deployment).getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).as(deployment + " containers").hasSize(1);
        return containers.get(0);
    }

    /** The module whose image the container runs: registry/.../sms-api:tag -> sms-api. */
    static Path module(Container c) {
        String image = c.getImage();
        String repo = image.substring(image.lastIndexOf('/') + 1).replaceFirst("[:@].*$", "");
        Path module = ROOT.resolve(repo);
        assertThat(module.resolve("src/main/docker/Dockerfile.jvm")).as("image " + image + ": one of our modules").exists();
        return module;
    }

    static int httpPort(String overlay, Container c) {
        String fromEnv = env(overlay, c).get("QUARKUS_HTTP_PORT");
        return Integer.parseInt(fromEnv != null ? fromEnv : ComposeFileTest.appConfig(module(c)).get("quarkus.http.port"));
    }

    static int managementPort(String overlay, Container c) {
        String fromEnv = env(overlay, c).get("QUARKUS_MANAGEMENT_PORT");
        return Integer.parseInt(
                fromEnv != null ? fromEnv : ComposeFileTest.appConfig(module(c)).get("quarkus.management.port"));
    }

    static PodSpec podSpec(Rendered r) {
        if (r.typed() instanceof Deployment d) {
            return d.getSpec().getTemplate().getSpec();
        }
        if (r.typed() instanceof StatefulSet s) {
            return s.getSpec().getTemplate().getSpec();
        }
        return null;
    }

    static List<PodTemplateSpec> podTemplates(String overlay) {
        List<PodTemplateSpec> templates = new ArrayList<>();
        all(overlay, Deployment.class).forEach(d -> templates.add(d.getSpec().getTemplate()));
        all(overlay, StatefulSet.class).forEach(s -> templates.add(s.getSpec().getTemplate()));
        return templates;
    }

    static boolean labelsMatch(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null && labels.entrySet().containsAll(selector.entrySet());
    }

    /** The container's environment: envFrom ConfigMaps and Secrets (as rendered), then env. */
    static Map<String, String> env(String overlay, Container c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : c.getEnvFrom()) {
            String prefix = from.getPrefix() == null ? "" : from.getPrefix();
            if (from.getConfigMapRef() != null) {
                one(overlay, ConfigMap.class, from.getConfigMapRef().getName()).getData()
                        .forEach((k, v) -> env.put(prefix + k, v));
            }
            if (from.getSecretRef() != null) {
                secretData(one(overlay, Secret.class, from.getSecretRef().getName())).forEach((k, v) -> env.put(prefix + k, v));
            }
        }
        for (EnvVar v : c.getEnv()) {
            if (v.getValueFrom() == null) {
                env.put(v.getName(), v.getValue() == null ? "" : v.getValue());
            } else if (v.getValueFrom().getSecretKeyRef() != null) {
                env.put(v.getName(), secretData(one(overlay, Secret.class, v.getValueFrom().getSecretKeyRef().getName()))
                        .get(v.getValueFrom().getSecretKeyRef().getKey()));
            } else if (v.getValueFrom().getConfigMapKeyRef() != null) {
                env.put(v.getName(), one(overlay, ConfigMap.class, v.getValueFrom().getConfigMapKeyRef().getName()).getData()
                        .get(v.getValueFrom().getConfigMapKeyRef().getKey()));
            } else {
                env.put(v.getName(), "(from the pod)");
            }
        }
        return env;
    }

    static Map<String, String> secretData(Secret s) {
        Map<String, String> data = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> data.put(k, new String(Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            data.putAll(s.getStringData());
        }
        return data;
    }

    static HTTPGetAction httpGet(Container c, Probe probe, String what) {
        assertThat(probe).as(what + " probe").isNotNull();
        assertThat(probe.getHttpGet()).as(what + " probe: an HTTP GET").isNotNull();
        return probe.getHttpGet();
    }

    static int containerPort(Container c, IntOrString port) {
        Integer p = containerPortOrNull(c, port);
        assertThat(p).as(c.getName() + ": port " + port + " declared by the container").isNotNull();
        return p;
    }

    static Integer containerPortOrNull(Container c, IntOrString port) {
        if (port.getIntVal() != null) {
            return c.getPorts().stream().map(ContainerPort::getContainerPort).filter(port.getIntVal()::equals).findFirst()
                    .orElse(null);
        }
        return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElse(null);
    }

    /** The port of Service {@code name} that reaches the container. */
    static int servicePortTo(String overlay, String name, Container c) {
        Service s = one(overlay, Service.class, name);
        return s.getSpec().getPorts().stream().filter(p -> containerPortOrNull(c, p.getTargetPort()) != null).findFirst()
                .map(ServicePort::getPort).orElseGet(() -> fail("Service %s reaches no port of %s", name, c.getName()));
    }

    static void assertPersistentVolumeAt(StatefulSet s, Container c, String path) {
        Set<String> claims = s.getSpec().getVolumeClaimTemplates().stream().map(p -> p.getMetadata().getName())
                .collect(Collectors.toSet());
        assertThat(c.getVolumeMounts()).as(s.getMetadata().getName() + ": a persistent volume at " + path)
                .anySatisfy(m -> {
                    assertThat(m.getMountPath()).isEqualTo(path);
                    assertThat(claims).contains(m.getName());
                });
        assertThat(c.getVolumeMounts().stream().map(VolumeMount::getName)).isNotEmpty();
    }

    static long threshold(Map<String, String> md) {
        for (String key : List.of("streamLength", "lagCount", "pendingEntriesCount")) {
            if (md.containsKey(key)) {
                return Long.parseLong(md.get(key));
            }
        }
        return fail("no threshold in %s", md);
    }

    static int portOf(URI uri) {
        return portOf(uri, 6379);
    }

    static int portOf(URI uri, int defaultPort) {
        return uri.getPort() < 0 ? defaultPort : uri.getPort();
    }

    static Map<String, String> options(List<String> command) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i).startsWith("--")) {
                String value = i + 1 < command.size() && !command.get(i + 1).startsWith("--") ? command.get(i + 1) : "";
                options.put(command.get(i).substring(2), value);
            }
        }
        return options;
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a == null ? List.of() : a);
        all.addAll(b == null ? List.of() : b);
        return all;
    }

    static String shutdownTimeoutDefault() {
        return BuiltApp.WORKER.configKey("sms.worker.shutdown-timeout").defaultValue()
                .orElseThrow(() -> new AssertionError("sms.worker.shutdown-timeout has no default any more: update this test"));
    }
}
