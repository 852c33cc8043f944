package dev.vigil.deploy;

import static dev.vigil.deploy.Manifests.at;
import static dev.vigil.deploy.Manifests.named;
import static dev.vigil.deploy.Manifests.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/** Renders charts/vigil with the real Helm library and checks what Kubernetes would get. */
class HelmChartTest {

  static final Path CHART = Paths.get("charts", "vigil");
  static final Path ALL_OPTIONS = CHART.resolve("ci/all-options-values.yaml");
  static final String KUBE_VERSION = "1.30.0";

  @TempDir
  Path tmp;

  @Test
  void lintPassesStrict() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertFalse(result.isFailed(), () -> "helm lint: " + result.getMessages());
  }

  @Test
  void defaultsRenderAppPlusVigilContainer() {
    Manifests manifests = render(template());
    Map<String, Object> pod = podSpec(manifests);

    List<Map<String, Object>> containers = at(pod, "containers");
    assertEquals(List.of("app", "vigil"), names(containers));
    assertNull(pod.get("initContainers"), "no init containers unless vigil.nativeSidecar");
    Map<String, Object> vigil = named(containers, "vigil");
    assertVigilContainer(vigil, 8080, "/sidecar/");
    assertEquals(List.of("--config", "/config/vigil.yaml"), value(vigil, "args"));
    assertEquals(true, value(pod, "securityContext", "runAsNonRoot"));
    assertEquals(false, value(pod, "automountServiceAccountToken"));

    Map<String, Object> app = named(containers, "app");
    assertEquals(8000, value(named(at(app, "ports"), "app"), "containerPort"));

    // The Service reaches the pod only through Vigil's named port.
    List<Map<String, Object>> servicePorts = at(manifests.one("Service"), "spec", "ports");
    assertEquals(1, servicePorts.size());
    assertEquals("http", value(servicePorts, 0, "targetPort"));

    Map<String, Object> config = vigilConfig(manifests, pod);
    assertEquals(8080, value(config, "listen", "port"));
    assertEquals("http://127.0.0.1:8000", value(config, "upstream", "url"));
    assertEquals("/api/health", value(config, "upstream", "health", "path"));
    assertEquals("http://127.0.0.1:8000/api/memory-status", value(config, "memory", "poll", "url"));
    assertEquals("30s", value(config, "memory", "poll", "interval"));
    assertNull(at(config, "admin"), "token never in the ConfigMap; admin.port off by default");

    // No admin token by default, as in Vigil itself: no Secret, no env.
    assertTrue(manifests.ofKind("Secret").isEmpty());
    assertFalse(names(at(vigil, "env")).contains("VIGIL_ADMIN_TOKEN"));

    assertTrue(manifests.ofKind("ServiceMonitor").isEmpty());
    assertTrue(manifests.ofKind("PodDisruptionBudget").isEmpty());
  }

  @Test
  void everyOptionOnRendersNativeSidecarAndExtras() {
    Manifests manifests = render(template().withValuesFile(ALL_OPTIONS));
    Map<String, Object> pod = podSpec(manifests);

    assertEquals(List.of("app"), names(at(pod, "containers")));
    List<Map<String, Object>> initContainers = at(pod, "initContainers");
    assertEquals(List.of("vigil"), names(initContainers));
    Map<String, Object> vigil = initContainers.get(0);
    assertEquals("Always", vigil.get("restartPolicy"), "a native sidecar is an always-restarting init container");
    assertVigilContainer(vigil, 8081, "/_vigil/");
    assertEquals(9901, value(named(at(vigil, "ports"), "admin"), "containerPort"));

    Map<String, Object> config = vigilConfig(manifests, pod);
    assertEquals(8081, value(config, "listen", "port"));
    assertEquals(9901, value(config, "admin", "port"));
    assertEquals("/_vigil/", value(config, "admin", "prefix"));
    assertEquals("http://127.0.0.1:9000", value(config, "upstream", "url"));
    assertEquals("http://127.0.0.1:9000/internal/memory", value(config, "memory", "poll", "url"));
    assertEquals("10s", value(config, "memory", "poll", "interval"));
    assertEquals("30s", value(config, "lifecycle", "drainTimeout"), "chart defaults merge under user config");

    // An existing Secret: referenced, not created.
    assertTrue(manifests.ofKind("Secret").isEmpty());
    Map<String, Object> tokenRef = at(named(at(vigil, "env"), "VIGIL_ADMIN_TOKEN"), "valueFrom", "secretKeyRef");
    assertEquals(Map.of("name", "shop-api-vigil-token", "key", "token"), tokenRef);
    assertEquals("0.1", value(named(at(vigil, "env"), "VIGIL_HEALTH_ERRORRATEDEGRADED"), "value"));
    assertEquals("Memory", value(named(at(pod, "volumes"), "vigil-tmp"), "emptyDir", "medium"));

    List<Map<String, Object>> servicePorts = at(manifests.one("Service"), "spec", "ports");
    assertEquals(1, servicePorts.size(), "the admin port is never on the Service");
    assertEquals(8080, value(servicePorts, 0, "port"));
    assertEquals("http", value(servicePorts, 0, "targetPort"));

    Map<String, Object> monitor = manifests.one("ServiceMonitor");
    assertEquals("monitoring.coreos.com/v1", monitor.get("apiVersion"));
    assertEquals("prometheus", value(monitor, "metadata", "labels", "release"));
    Map<String, Object> endpoint = at(monitor, "spec", "endpoints", 0);
    assertEquals("http", endpoint.get("port"));
    assertEquals("/_vigil/metrics", endpoint.get("path"));
    assertEquals("15s", endpoint.get("interval"));
    assertEquals(
        value(manifests.one("Service"), "metadata", "labels", "app.kubernetes.io/instance"),
        value(monitor, "spec", "selector", "matchLabels", "app.kubernetes.io/instance"));

    Map<String, Object> pdb = manifests.one("PodDisruptionBudget");
    assertEquals(1, value(pdb, "spec", "maxUnavailable"));
    assertNull(at(pdb, "spec", "minAvailable"));
    assertEquals(2, value(manifests.one("Deployment"), "spec", "replicas"));
  }

  @Test
  void adminTokenValueGoesToASecretAndTheEnvironment() {
    Manifests manifests = render(template().set("vigil.adminToken.value", "s3cret-token"));
    Map<String, Object> secret = manifests.one("Secret");
    Map<String, Object> vigil = named(at(podSpec(manifests), "containers"), "vigil");
    Map<String, Object> tokenRef = at(named(at(vigil, "env"), "VIGIL_ADMIN_TOKEN"), "valueFrom", "secretKeyRef");
    assertEquals(value(secret, "metadata", "name"), tokenRef.get("name"));
    assertEquals("admin-token", tokenRef.get("key"));
    String encoded = at(secret, "data", "admin-token");
    assertEquals("s3cret-token", new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
    assertFalse(at(manifests.one("ConfigMap"), "data", "vigil.yaml").toString().contains("s3cret"),
        "the token stays out of the ConfigMap");
  }

  @Test
  void nativeSidecarRefusesKubernetesBefore129() {
    TemplateCommand old = template().set("vigil.nativeSidecar", true).withKubeVersion("1.28.5");
    Exception failure = assertThrows(Exception.class, old::call);
    assertTrue(failure.getMessage().contains("1.29"), failure::getMessage);
  }

  @Test
  void configChangeRollsThePods() {
    Object before = at(podTemplate(render(template())), "metadata", "annotations", "checksum/config");
    Object after = at(podTemplate(render(template().set("vigil.config.memory.poll.interval", "5s"))),
        "metadata", "annotations", "checksum/config");
    assertFalse(before.equals(after), "checksum/config follows the rendered vigil.yaml");
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("wrong type", "replicaCount: two\n", "replicaCount"),
        Arguments.of("unknown key", "vigil:\n  colour: blue\n", "colour"),
        Arguments.of("negative port", "vigil:\n  port: -1\n", "port"),
        Arguments.of("port out of range", "app:\n  port: 70000\n", "port"),
        Arguments.of("token in the ConfigMap", "vigil:\n  config:\n    admin:\n      token: s3cret\n", "token"),
        Arguments.of("bad duration", "vigil:\n  config:\n    memory:\n      poll:\n        interval: 30\n", "interval"),
        Arguments.of("bad enum", "vigil:\n  image:\n    repository: x\n    pullPolicy: Sometimes\n", "pullPolicy"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void schemaRejectsBadValues(String what, String yaml, String key) throws IOException {
    Path values = Files.writeString(tmp.resolve("bad.yaml"), yaml, StandardCharsets.UTF_8);
    Exception failure = assertThrows(Exception.class, () -> template().withValuesFile(values).call(), what);
    String message = String.valueOf(failure.getMessage());
    assertTrue(message.contains("schema"), () -> what + ": not a schema error: " + message);
    assertTrue(message.contains(key), () -> what + ": message does not name " + key + ": " + message);
  }

  private static void assertVigilContainer(Map<String, Object> vigil, int port, String prefix) {
    assertEquals(port, value(named(at(vigil, "ports"), "http"), "containerPort"));
    assertProbe(at(vigil, "startupProbe"), prefix + "health/live");
    assertProbe(at(vigil, "livenessProbe"), prefix + "health/live");
    assertProbe(at(vigil, "readinessProbe"), prefix + "health/ready");

    Map<String, Object> security = at(vigil, "securityContext");
    assertEquals(true, security.get("runAsNonRoot"));
    assertEquals(10001, security.get("runAsUser"));
    assertEquals(true, security.get("readOnlyRootFilesystem"));
    assertEquals(false, security.get("allowPrivilegeEscalation"));
    assertEquals(List.of("ALL"), value(security, "capabilities", "drop"));
    assertEquals("RuntimeDefault", value(security, "seccompProfile", "type"));

    List<Map<String, Object>> mounts = at(vigil, "volumeMounts");
    assertEquals("/config", value(named(mounts, "vigil-config"), "mountPath"));
    assertEquals(true, value(named(mounts, "vigil-config"), "readOnly"));
    assertEquals("/tmp", value(named(mounts, "vigil-tmp"), "mountPath"));
    assertTrue(at(vigil, "resources", "limits", "memory") != null, "a memory limit for MaxRAMPercentage");
  }

  private static void assertProbe(Map<String, Object> probe, String path) {
    assertEquals(path, value(probe, "httpGet", "path"));
    assertEquals("http", value(probe, "httpGet", "port"), "probes use Vigil's named proxy port");
  }

  /** The rendered vigil.yaml, after checking the pod mounts that very ConfigMap. */
  private static Map<String, Object> vigilConfig(Manifests manifests, Map<String, Object> pod) {
    Object mounted = at(named(at(pod, "volumes"), "vigil-config"), "configMap", "name");
    Map<String, Object> configMap = manifests.ofKind("ConfigMap").stream()
        .filter(c -> mounted.equals(value(c, "metadata", "name"))).findFirst()
        .orElseThrow(() -> new AssertionError("the pod mounts ConfigMap " + mounted + ", which is not rendered"));
    return new Yaml().load((String) at(configMap, "data", "vigil.yaml"));
  }

  private static Map<String, Object> podTemplate(Manifests manifests) {
    return at(manifests.one("Deployment"), "spec", "template");
  }

  private static Map<String, Object> podSpec(Manifests manifests) {
    return at(podTemplate(manifests), "spec");
  }

  private static List<String> names(List<Map<String, Object>> containers) {
    return containers.stream().map(c -> (String) c.get("name")).collect(java.util.stream.Collectors.toList());
  }

  private static TemplateCommand template() {
    return new Helm(CHART).template().withName("shop").withNamespace("prod").withKubeVersion(KUBE_VERSION);
  }

  private static Manifests render(TemplateCommand command) {
    return Manifests.parse(command.call());
  }
}
