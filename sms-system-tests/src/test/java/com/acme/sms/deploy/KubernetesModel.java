package com.acme.sms.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Rendered kustomize output mapped onto the Kubernetes object model (fabric8's classes, generated from the
 * Kubernetes OpenAPI schema), strictly: an unknown or misspelled field, or a value of the wrong JSON type, fails,
 * as the API server's strict field validation would. fabric8's classes keep unknown fields in an "any setter";
 * the introspector below turns that off, so that FAIL_ON_UNKNOWN_PROPERTIES applies.
 * <p>
 * KEDA's ScaledObject is a CRD without a Java model: {@link ScaledObject} is a small hand-written schema of the
 * fields KEDA documents (keda.sh/v1alpha1), strict in the same way.
 */
final class KubernetesModel {

    static final ObjectMapper STRICT = strictMapper();

    /** apiVersion/kind -> class: a kind not listed here is a kind nobody checked, so it fails too. */
    static final Map<String, Class<?>> KINDS = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy",
                    io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("keda.sh/v1alpha1/ScaledObject", ScaledObject.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class));

    private KubernetesModel() {}

    static ObjectMapper strictMapper() {
        ObjectMapper mapper = JsonMapper.builder()
                .annotationIntrospector(new JacksonAnnotationIntrospector() {
                    @Override
                    public Boolean hasAnySetter(Annotated a) {
                        return Boolean.FALSE;
                    }
                })
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        // Kubernetes (and KEDA's map[string]string metadata) reject a number or boolean where a string is due.
        for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean)) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return mapper;
    }

    /** One rendered object: its raw map and the typed, validated object. */
    record Rendered(Map<String, Object> raw, Object typed) {
        String kind() {
            return String.valueOf(raw.get("kind"));
        }

        String name() {
            return String.valueOf(((Map<?, ?>) raw.get("metadata")).get("name"));
        }

        ObjectMeta metadata() {
            return typed instanceof HasMetadata h ? h.getMetadata() : ((ScaledObject) typed).metadata();
        }
    }

    /**
     * {@code kubectl kustomize dir} (the kubectl of {@link ExternalTool#kubectl()}), every document validated. Its
     * stderr may hold deprecation warnings of newer kustomize (deploy/k8s is written for old and new alike).
     */
    static List<Rendered> render(Path root, Path kustomization) {
        Path kubectl = ExternalTool.kubectl();
        ExternalTool.Result r = ExternalTool.run(root, 120, kubectl.toString(), "kustomize",
                root.relativize(kustomization).toString());
        assertThat(r.exitCode()).as("%s kustomize %s:\n%s", kubectl, kustomization, r.stderr()).isZero();
        List<Rendered> result = new ArrayList<>();
        for (Object doc : new Yaml(new LoaderOptions()).loadAll(r.stdout())) {
            if (doc == null) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> raw = (Map<String, Object>) doc;
            result.add(new Rendered(raw, validate(raw)));
        }
        assertThat(result).as("objects rendered from " + kustomization).isNotEmpty();
        return result;
    }

    static Object validate(Map<String, Object> raw) {
        String key = raw.get("apiVersion") + "/" + raw.get("kind");
        Class<?> type = KINDS.get(key);
        if (type == null) {
            return fail("%s %s: a kind these checks do not know (%s); add it to KubernetesModel.KINDS",
                    key, ((Map<?, ?>) raw.get("metadata")).get("name"), KINDS.keySet());
        }
        try {
            return STRICT.convertValue(raw, type);
        } catch (IllegalArgumentException e) {
            return fail("%s %s does not match the %s schema: %s", key, ((Map<?, ?>) raw.get("metadata")).get("name"),
                    type.getSimpleName(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------- KEDA ScaledObject ----
    // https://keda.sh/docs/latest/reference/scaledobject-spec/ and .../scalers/redis-streams/

    record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, ScaledObjectSpec spec) {}

    record ScaledObjectSpec(ScaleTargetRef scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod,
            Integer initialCooldownPeriod, Integer idleReplicaCount, Integer minReplicaCount, Integer maxReplicaCount,
            Fallback fallback, Advanced advanced, List<Trigger> triggers) {}

    record ScaleTargetRef(String apiVersion, String kind, String name, String envSourceContainerName) {}

    record Fallback(Integer failureThreshold, Integer replicas, String behavior) {}

    record Advanced(Boolean restoreToOriginalReplicaCount, HorizontalPodAutoscalerConfig horizontalPodAutoscalerConfig,
            ScalingModifiers scalingModifiers) {}

    record HorizontalPodAutoscalerConfig(String name, HorizontalPodAutoscalerBehavior behavior) {}

    record ScalingModifiers(String formula, String target, String activationTarget, String metricType) {}

    /** metadata is map[string]string in KEDA: numbers must be quoted. */
    record Trigger(String type, String name, Map<String, String> metadata, AuthenticationRef authenticationRef,
            String metricType, Boolean useCachedMetrics) {}

    record AuthenticationRef(String name, String kind) {}

    /** The redis-streams trigger's metadata keys, as KEDA documents them. */
    static final Set<String> REDIS_STREAMS_KEYS = Set.of(
            "address", "addressFromEnv", "host", "hostFromEnv", "port", "portFromEnv",
            "usernameFromEnv", "passwordFromEnv",
            "stream", "consumerGroup", "pendingEntriesCount", "streamLength", "lagCount", "activationLagCount",
            "enableTLS", "unsafeSsl", "databaseIndex");
}
