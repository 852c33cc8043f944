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
import com.marcnuri.helm.TemplateCommand;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@code recycle.enabled} in the chart: the app's livenessProbe on app-live, the limit, the process namespace. */
class RecycleChartTest {

  static TemplateCommand template() {
    return new Helm(HelmChartTest.CHART).template().withName("shop").withNamespace("prod")
        .withKubeVersion(HelmChartTest.KUBE_VERSION);
  }

  static Map<String, Object> pod(Manifests m) {
    return at(m.one("Deployment"), "spec", "template", "spec");
  }

  static Map<String, Object> config(Manifests m) {
    return new Yaml().load((String) at(m.one("ConfigMap"), "data", "vigil.yaml"));
  }

  @Test
  void offByDefault() {
    Manifests m = Manifests.parse(template().call());
    Map<String, Object> app = named(at(pod(m), "containers"), "app");
    assertNull(app.get("livenessProbe"));
    assertNull(at(config(m), "recycle"));
    assertFalse(((List<Map<String, Object>>) at(named(at(pod(m), "containers"), "vigil"), "env")).stream()
        .anyMatch(e -> "VIGIL_MEMORY_LIMIT".equals(e.get("name"))));
    assertNull(pod(m).get("shareProcessNamespace"));
  }

  @Test
  void recycleWiresTheAppsLivenessProbeToAppLiveAndTheLimitFromTheDownwardApi() {
    Manifests m = Manifests.parse(template().set("recycle.enabled", true).set("recycle.livenessProbe.periodSeconds", 5)
        .call());
    Map<String, Object> app = named(at(pod(m), "containers"), "app");
    Map<String, Object> probe = at(app, "livenessProbe");
    assertEquals("/sidecar/health/app-live", value(probe, "httpGet", "path"));
    assertEquals(8080, value(probe, "httpGet", "port"), "Vigil's port: the probe reaches the pod's IP");
    assertEquals(5, probe.get("periodSeconds"));
    assertEquals(3, probe.get("failureThreshold"));

    Map<String, Object> vigil = named(at(pod(m), "containers"), "vigil");
    Map<String, Object> limit = at(named(at(vigil, "env"), "VIGIL_MEMORY_LIMIT"), "valueFrom", "resourceFieldRef");
    assertEquals(Map.of("containerName", "app", "resource", "limits.memory"), limit);
    assertEquals(true, value(config(m), "recycle", "enabled"));
    // Vigil's own probes are untouched.
    assertEquals("/sidecar/health/live", value(vigil, "livenessProbe", "httpGet", "path"));
  }

  @Test
  void theProbeFollowsTheAdminPrefixAndVigilsPortAndSettingsPassThrough() {
    Manifests m = Manifests.parse(template().set("recycle.enabled", true).set("vigil.port", 8181)
        .set("vigil.config.admin.prefix", "/_vigil/").set("vigil.config.recycle.at", "warning")
        .set("vigil.config.recycle.maxConcurrent", 2).call());
    Map<String, Object> probe = at(named(at(pod(m), "containers"), "app"), "livenessProbe");
    assertEquals("/_vigil/health/app-live", value(probe, "httpGet", "path"));
    assertEquals(8181, value(probe, "httpGet", "port"));
    assertEquals(Map.of("enabled", true, "at", "warning", "maxConcurrent", 2), at(config(m), "recycle"));
  }

  @Test
  void noLimitNoDownwardApiEnvAndAnOwnAppProbeIsRefused() {
    Manifests m = Manifests.parse(template().set("recycle.enabled", true).set("app.resources.limits", "null").call());
    Map<String, Object> vigil = named(at(pod(m), "containers"), "vigil");
    assertFalse(((List<Map<String, Object>>) at(vigil, "env")).stream()
        .anyMatch(e -> "VIGIL_MEMORY_LIMIT".equals(e.get("name"))), "without a limit there is nothing to read");
    Exception e = assertThrows(Exception.class, () -> template().set("recycle.enabled", true)
        .set("app.livenessProbe.tcpSocket.port", 8000).call());
    assertTrue(e.getMessage().contains("leave app.livenessProbe empty"), e.getMessage());
  }

  @Test
  void shareProcessNamespaceIsAnOption() {
    Manifests m = Manifests.parse(template().set("shareProcessNamespace", true).call());
    assertEquals(true, pod(m).get("shareProcessNamespace"));
  }
}
