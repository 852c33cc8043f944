package dev.vigil.deploy;

import static dev.vigil.deploy.Manifests.at;
import static dev.vigil.deploy.Manifests.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chart's Grafana dashboard ConfigMap and PrometheusRule, rendered with the real Helm library. */
class MonitoringChartTest {

  /** The alerts the README lists for the chart (issue 17). */
  static final Set<String> ALERTS = Set.of("VigilMemoryWarning", "VigilMemoryCritical", "VigilMemoryLimitProjected",
      "VigilUpstreamUnreachable", "VigilErrorRate", "VigilKeepAliveFailing", "VigilRedisDown");

  @TempDir
  Path tmp;

  @Test
  void bothAreOffByDefault() {
    Manifests manifests = render(template());
    assertTrue(manifests.ofKind("PrometheusRule").isEmpty(), () -> manifests.kinds().toString());
    assertEquals(List.of("shop-vigil-config"), manifests.ofKind("ConfigMap").stream()
        .map(c -> (String) value(c, "metadata", "name")).collect(Collectors.toList()));
  }

  @Test
  void dashboardConfigMapIsLabelledForGrafanasSidecar() throws Exception {
    Manifests manifests = render(template().set("grafana.dashboard.enabled", true));
    Map<String, Object> configMap = dashboardConfigMap(manifests);
    assertEquals("1", value(configMap, "metadata", "labels", "grafana_dashboard"));
    assertEquals("shop", value(configMap, "metadata", "labels", "app.kubernetes.io/instance"));

    JsonObject dashboard = new JsonObject((String) at(configMap, "data", "vigil.json"));
    assertEquals(Monitoring.dashboard(), dashboard, "the ConfigMap carries charts/vigil/dashboards/vigil.json as is");
    List<String> variables = dashboard.getJsonObject("templating").getJsonArray("list").stream()
        .map(v -> ((JsonObject) v).getString("name")).collect(Collectors.toList());
    assertTrue(variables.containsAll(List.of("datasource", "namespace", "app")), variables::toString);
    List<Monitoring.PanelQuery> queries = Monitoring.panelQueries(dashboard);
    assertTrue(queries.size() >= 15, "panels: " + queries.size());
    for (Monitoring.PanelQuery q : queries) {
      assertTrue(q.expr().contains("namespace=~\"$namespace\"") && q.expr().contains("app_name=~\"$app\""),
          () -> q.panel() + " does not follow the namespace and app variables: " + q.expr());
    }
    Set<String> titles = queries.stream().map(Monitoring.PanelQuery::panel).collect(Collectors.toSet());
    for (String title : List.of("App memory, limit and projection", "Memory trend", "Memory state",
        "Request rate by status class", "Error rate", "Latency percentiles", "Rejections by cause",
        "Keep-alive pings", "Upstream", "Vigil memory")) {
      assertTrue(titles.contains(title), () -> "no panel " + title + " in " + titles);
    }
  }

  @Test
  void dashboardLabelIsConfigurable() {
    Manifests manifests = render(template().set("grafana.dashboard.enabled", true)
        .set("grafana.dashboard.label", "dashboards.example.com/load").set("grafana.dashboard.labelValue", "yes")
        .set("grafana.dashboard.annotations.grafana_folder", "Shop"));
    Map<String, Object> configMap = dashboardConfigMap(manifests);
    assertEquals("yes", value(configMap, "metadata", "labels", "dashboards.example.com/load"));
    assertEquals(null, value(configMap, "metadata", "labels", "grafana_dashboard"));
    assertEquals("Shop", value(configMap, "metadata", "annotations", "grafana_folder"));
  }

  @Test
  void serviceMonitorAddsTheAppNameLabelTheQueriesSelectOn() {
    Manifests manifests = render(template().set("serviceMonitor.enabled", true)
        .set("vigil.config.app.name", "shop-api"));
    Map<String, Object> relabel = at(manifests.one("ServiceMonitor"), "spec", "endpoints", 0, "relabelings", 0);
    assertEquals(Map.of("targetLabel", "app_name", "replacement", "shop-api"), relabel);
  }

  @Test
  void prometheusRuleCarriesTheReadmeAlerts() throws Exception {
    Manifests manifests = render(template().set("prometheusRule.enabled", true)
        .set("prometheusRule.labels.release", "prometheus"));
    Map<String, Object> rule = manifests.one("PrometheusRule");
    assertEquals("monitoring.coreos.com/v1", rule.get("apiVersion"));
    assertEquals("prometheus", value(rule, "metadata", "labels", "release"));
    List<Monitoring.Alert> alerts = Monitoring.alerts(rule);
    assertEquals(ALERTS, alerts.stream().map(Monitoring.Alert::name).collect(Collectors.toSet()));
    Set<String> anchors = Monitoring.readmeAnchors();
    for (Monitoring.Alert alert : alerts) {
      assertNotNull(alert.forDuration(), alert.name() + " has no for:");
      assertTrue(Set.of("warning", "critical").contains(alert.labels().get("severity")), alert::toString);
      assertFalse(String.valueOf(alert.annotations().get("summary")).isBlank(), alert::toString);
      assertTrue(alert.expr().contains("namespace=\"prod\",app_name=\"shop-vigil\""),
          () -> alert.name() + " does not select this release's series: " + alert.expr());
      String runbook = String.valueOf(alert.annotations().get("runbook_url"));
      assertTrue(runbook.startsWith("https://github.com/vigil-dev/vigil/blob/main/README.md#"), runbook);
      String anchor = runbook.substring(runbook.indexOf('#') + 1);
      assertTrue(anchors.contains(anchor), () -> alert.name() + ": README has no section #" + anchor);
    }
  }

  @Test
  void renderedRulesPassPromtool() throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    assumeTrue(ci || Files.isExecutable(Monitoring.PROMTOOL), "promtool not installed (Debian package prometheus)");
    Manifests manifests = render(template().withValuesFile(HelmChartTest.ALL_OPTIONS));
    Path rules = Monitoring.writeRuleFile(manifests.one("PrometheusRule"), tmp.resolve("vigil-rules.yaml"));
    Process p = new ProcessBuilder(Monitoring.PROMTOOL.toString(), "check", "rules", rules.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
    assertEquals(0, p.exitValue(), "promtool check rules: " + out);
    assertTrue(out.contains("SUCCESS: " + ALERTS.size() + " rules found"), out);
  }

  private static Map<String, Object> dashboardConfigMap(Manifests manifests) {
    return manifests.ofKind("ConfigMap").stream()
        .filter(c -> "shop-vigil-dashboard".equals(value(c, "metadata", "name")))
        .findFirst().orElseThrow(() -> new AssertionError("no dashboard ConfigMap in " + manifests.kinds()));
  }

  static TemplateCommand template() {
    return new Helm(HelmChartTest.CHART).template().withName("shop").withNamespace("prod")
        .withKubeVersion(HelmChartTest.KUBE_VERSION);
  }

  static Manifests render(TemplateCommand command) {
    return Manifests.parse(command.call());
  }
}
