package dev.vigil.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.Sidecar;
import dev.vigil.Telemetry;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's dashboard and alert rules against real data: a real Vigil (with Redis) in front of
 * an app whose memory sits at 86% of its limit and which answers 5xx, keep-alive pinging a closed
 * port, scraped every second by a real Prometheus (Debian's binary) that loads the rules rendered
 * by Helm. Every panel's and every alert's expression is evaluated through Prometheus' HTTP API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusQueriesTest {

  static final String NAMESPACE = "test";
  static final String APP_NAME = "shop-vigil"; // release "shop": the chart's default app.name
  static final Duration DATA_WAIT = Duration.ofSeconds(40);

  /** Grafana's variables and macros, as Grafana would expand them at a 1 s scrape interval. */
  static final Map<String, String> GRAFANA = Map.of("$__rate_interval", "5s", "$namespace", NAMESPACE,
      "$app", APP_NAME);

  @TempDir
  static Path tmp;

  private Telemetry telemetry;
  private Vertx vertx;
  private RedisServerProcess redis;
  private Sidecar sidecar;
  private Process prometheus;
  private String api;
  private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();
  private List<Monitoring.Alert> alerts;

  @BeforeAll
  void start() throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    assumeTrue(ci || Files.isExecutable(Monitoring.PROMETHEUS), "prometheus not installed (Debian package prometheus)");
    telemetry = new Telemetry();
    vertx = telemetry.newVertx(2, false);
    redis = RedisServerProcess.start();
    int appPort = vertx.createHttpServer()
        .requestHandler(req -> {
          switch (req.path()) {
            case "/api/health" -> req.response().end("{\"status\":\"ok\"}");
            case "/api/memory-status" -> req.response().putHeader("content-type", "application/json")
                .end("{\"rss_mb\": 440.0}");
            default -> req.response().setStatusCode(500).end("broken");
          }
        })
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    VigilConfig config = ConfigLoader.load(null, Map.of(), Map.ofEntries(
        Map.entry("listen.port", "0"), Map.entry("listen.host", "127.0.0.1"),
        Map.entry("upstream.url", "http://127.0.0.1:" + appPort), Map.entry("upstream.health.interval", "200ms"),
        Map.entry("memory.poll.interval", "200ms"), Map.entry("memory.limit", "512MiB"),
        Map.entry("keepalive.enabled", "true"), Map.entry("keepalive.windows", ""),
        Map.entry("keepalive.defaultInterval", "300ms"), Map.entry("keepalive.jitter", "0"),
        Map.entry("keepalive.timeout", "200ms"),
        Map.entry("keepalive.target", "http://127.0.0.1:" + closedPort() + "/api/health"),
        Map.entry("redis.url", redis.url()), Map.entry("app.name", APP_NAME),
        Map.entry("recycle.enabled", "true")), w -> { }); // recycling armed (the limit is far): its series exist
    sidecar = new Sidecar(config, Clock.systemUTC(), telemetry.registry());
    sidecar.start(vertx).await(20, TimeUnit.SECONDS);

    // Steady traffic, all answered 5xx by the app: rates and the error share have data, and
    // keep-alive pings are never skipped for traffic.
    HttpClient client = vertx.createHttpClient();
    int port = sidecar.proxyPort();
    vertx.setPeriodic(100, id -> client.request(HttpMethod.GET, port, "127.0.0.1", "/orders/" + (id % 7))
        .compose(r -> r.send().compose(resp -> resp.body())));

    Map<String, Object> rule = MonitoringChartTest.render(MonitoringChartTest.template()
        .withNamespace(NAMESPACE).set("prometheusRule.enabled", true)).one("PrometheusRule");
    Path rules = Monitoring.writeRuleFile(rule, tmp.resolve("rules.yaml"));
    alerts = Monitoring.alerts(rule);
    int promPort = closedPort();
    Path promConfig = Files.writeString(tmp.resolve("prometheus.yml"), String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - " + rules,
        "scrape_configs:",
        "  - job_name: vigil",
        "    metrics_path: /sidecar/metrics",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + port + "']",
        // What the chart's ServiceMonitor and Kubernetes service discovery put on each series.
        "        labels: {namespace: " + NAMESPACE + ", app_name: " + APP_NAME + ", pod: shop-vigil-0}",
        ""));
    prometheus = new ProcessBuilder(Monitoring.PROMETHEUS.toString(),
        "--config.file=" + promConfig, "--storage.tsdb.path=" + tmp.resolve("data"),
        "--web.listen-address=127.0.0.1:" + promPort, "--log.level=warn")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
    api = "http://127.0.0.1:" + promPort;
    await("Prometheus ready", Duration.ofSeconds(30), () -> get("/-/ready").statusCode() == 200);
    await("Vigil scraped", DATA_WAIT, () -> !query("up{job=\"vigil\"} == 1").isEmpty());
  }

  @AfterAll
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (sidecar != null) {
      sidecar.stop().await(20, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
    if (telemetry != null) {
      telemetry.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void dashboardAndRulesReadOnlyMetricsVigilExports() throws Exception {
    HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + sidecar.proxyPort() + "/sidecar/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, scrape.statusCode());
    Set<String> exposed = Monitoring.exposedNames(scrape.body());
    List<String> expressions = new ArrayList<>();
    Monitoring.panelQueries(Monitoring.dashboard()).forEach(q -> expressions.add(q.expr()));
    alerts.forEach(a -> expressions.add(a.expr()));
    Set<String> used = new TreeSet<>();
    for (String expr : expressions) {
      Set<String> names = Monitoring.metricNames(expr);
      assertFalse(names.isEmpty(), () -> "no metric found in " + expr);
      for (String name : names) {
        assertTrue(exposed.contains(name), () -> name + " (in " + expr + ") is not in /sidecar/metrics: " + exposed);
      }
      used.addAll(names);
    }
    assertTrue(used.containsAll(Set.of("vigil_app_memory_rss_bytes", "vigil_requests_total",
        "vigil_request_duration_seconds_bucket", "vigil_upstream_up", "vigil_redis_up")), used::toString);
  }

  @Test
  void dashboardVariablesFindTheApp() throws Exception {
    JsonArray namespaces = new JsonObject(get("/api/v1/label/namespace/values?match[]="
        + enc("vigil_requests_total")).body()).getJsonArray("data");
    assertTrue(namespaces.contains(NAMESPACE), namespaces::encode);
    JsonArray apps = new JsonObject(get("/api/v1/label/app_name/values?match[]="
        + enc("vigil_requests_total{namespace=~\"" + NAMESPACE + "\"}")).body()).getJsonArray("data");
    assertEquals(List.of(APP_NAME), apps.getList());
  }

  @Test
  void everyPanelQueryReturnsSeriesWithItsLegendLabels() throws Exception {
    for (Monitoring.PanelQuery q : Monitoring.panelQueries(Monitoring.dashboard())) {
      String expr = grafana(q.expr());
      JsonArray result = awaitSeries(q.panel() + ": " + expr, expr);
      for (Object o : result) {
        JsonObject series = (JsonObject) o;
        JsonArray sample = series.getJsonArray("value");
        assertEquals(2, sample.size(), () -> q.panel() + ": not an instant vector sample: " + series);
        for (String label : legendLabels(q.legend())) {
          assertNotNull(series.getJsonObject("metric").getString(label),
              () -> q.panel() + ": legend {{" + label + "}} has no label in " + series);
        }
      }
    }
  }

  @Test
  void everyAlertExpressionEvaluatesAndItsMeasureHasData() throws Exception {
    Pattern threshold = Pattern.compile("\\s*(==|!=|>=|<=|>|<)\\s*[0-9.eE+-]+\\s*$");
    for (Monitoring.Alert alert : alerts) {
      query(alert.expr()); // parses and evaluates (an empty vector while it does not fire)
      Matcher m = threshold.matcher(alert.expr());
      assertTrue(m.find(), () -> alert.name() + ": no threshold at the end of " + alert.expr());
      String measure = alert.expr().substring(0, m.start());
      for (Object o : awaitSeries(alert.name() + ": " + measure, measure)) {
        JsonObject labels = ((JsonObject) o).getJsonObject("metric");
        assertEquals(NAMESPACE, labels.getString("namespace"), alert.name());
        assertEquals("shop-vigil-0", labels.getString("pod"), alert.name() + ": the summary names the pod");
      }
    }
  }

  @Test
  void rulesLoadAndTheAlertsOfThisScenarioGoPending() throws Exception {
    JsonArray groups = new JsonObject(get("/api/v1/rules").body()).getJsonObject("data").getJsonArray("groups");
    Set<String> loaded = new HashSet<>();
    for (Object g : groups) {
      for (Object r : ((JsonObject) g).getJsonArray("rules")) {
        JsonObject rule = (JsonObject) r;
        assertEquals("ok", rule.getString("health"), rule::encode);
        loaded.add(rule.getString("name"));
      }
    }
    assertEquals(MonitoringChartTest.ALERTS, loaded);

    // Memory at 86% (warning), every answer 5xx, keep-alive to a closed port; the app answers its
    // health check and Redis is up. Every rule has a long for:, so these stay pending.
    Set<String> expected = Set.of("VigilMemoryWarning", "VigilErrorRate", "VigilKeepAliveFailing");
    Set<String> quiet = Set.of("VigilMemoryCritical", "VigilUpstreamUnreachable", "VigilRedisDown",
        "VigilMemoryLimitProjected");
    Set<String>[] seen = new Set[1];
    boolean ok = awaitCondition(DATA_WAIT, () -> {
      seen[0] = activeAlerts();
      return seen[0].containsAll(expected) && seen[0].stream().noneMatch(quiet::contains);
    });
    assertTrue(ok, () -> "active alerts: " + seen[0] + ", expected " + expected + " and none of " + quiet);
  }

  private Set<String> activeAlerts() throws Exception {
    JsonArray list = new JsonObject(get("/api/v1/alerts").body()).getJsonObject("data").getJsonArray("alerts");
    return list.stream().map(a -> ((JsonObject) a).getJsonObject("labels").getString("alertname"))
        .collect(Collectors.toSet());
  }

  /** Polls an instant query until it returns at least one series (data arrives scrape by scrape). */
  private JsonArray awaitSeries(String what, String expr) throws Exception {
    JsonArray[] last = new JsonArray[1];
    boolean ok = awaitCondition(DATA_WAIT, () -> {
      last[0] = query(expr);
      return !last[0].isEmpty();
    });
    assertTrue(ok, () -> "no data for " + what);
    return last[0];
  }

  /** Evaluates a PromQL expression; fails on an error or a result that is not an instant vector. */
  private JsonArray query(String expr) throws Exception {
    HttpResponse<String> response = get("/api/v1/query?query=" + enc(expr));
    JsonObject body = new JsonObject(response.body());
    assertEquals("success", body.getString("status"), () -> expr + ": " + response.body());
    assertEquals("vector", body.getJsonObject("data").getString("resultType"), expr);
    return body.getJsonObject("data").getJsonArray("result");
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String grafana(String expr) {
    String out = expr;
    for (Map.Entry<String, String> e : GRAFANA.entrySet()) {
      out = out.replace(e.getKey(), e.getValue());
    }
    String expanded = out;
    assertFalse(expanded.contains("$"), () -> "a Grafana variable the test does not know: " + expanded);
    return expanded;
  }

  private static List<String> legendLabels(String legend) {
    List<String> labels = new ArrayList<>();
    Matcher m = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}").matcher(legend == null ? "" : legend);
    while (m.find()) {
      labels.add(m.group(1));
    }
    return labels;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  interface Check {
    boolean holds() throws Exception;
  }

  /** Re-checks every 250 ms until the condition holds or the bound passes. */
  private static boolean awaitCondition(Duration bound, Check check) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      if (check.holds()) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(250); // polling interval of a bounded wait, not a race
    }
  }

  private static void await(String what, Duration bound, Check check) throws Exception {
    if (!awaitCondition(bound, () -> {
      try {
        return check.holds();
      } catch (IOException e) {
        return false; // not listening yet
      }
    })) {
      fail(what + " within " + bound.toSeconds() + " s");
    }
  }
}
