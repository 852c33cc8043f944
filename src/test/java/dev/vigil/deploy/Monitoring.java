package dev.vigil.deploy;

import static dev.vigil.deploy.Manifests.at;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** The chart's Grafana dashboard and PrometheusRule, read the way Grafana and Prometheus read them. */
final class Monitoring {

  static final Path DASHBOARD = HelmChartTest.CHART.resolve("dashboards/vigil.json");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

  /** One query of a dashboard panel. */
  record PanelQuery(String panel, String type, String legend, String expr) {
  }

  /** One alerting rule as rendered. */
  record Alert(String name, String expr, String forDuration, Map<String, Object> labels,
      Map<String, Object> annotations) {
  }

  private Monitoring() {
  }

  static JsonObject dashboard() throws IOException {
    return new JsonObject(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
  }

  /** Every target of every panel (rows nest panels too). */
  static List<PanelQuery> panelQueries(JsonObject dashboard) {
    List<PanelQuery> out = new ArrayList<>();
    collect(dashboard.getJsonArray("panels"), out);
    return out;
  }

  private static void collect(JsonArray panels, List<PanelQuery> out) {
    for (Object o : panels) {
      JsonObject panel = (JsonObject) o;
      if (panel.containsKey("panels")) {
        collect(panel.getJsonArray("panels"), out);
      }
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        JsonObject target = (JsonObject) t;
        out.add(new PanelQuery(panel.getString("title"), panel.getString("type"),
            target.getString("legendFormat"), target.getString("expr")));
      }
    }
  }

  /** The alerting rules of the rendered PrometheusRule. */
  static List<Alert> alerts(Map<String, Object> prometheusRule) {
    List<Alert> out = new ArrayList<>();
    List<Map<String, Object>> groups = at(prometheusRule, "spec", "groups");
    for (Map<String, Object> group : groups) {
      List<Map<String, Object>> rules = at(group, "rules");
      for (Map<String, Object> rule : rules) {
        out.add(new Alert((String) rule.get("alert"), String.valueOf(rule.get("expr")), (String) rule.get("for"),
            at(rule, "labels"), at(rule, "annotations")));
      }
    }
    return out;
  }

  /** The PrometheusRule's spec as a Prometheus rule file (what the operator hands Prometheus). */
  static Path writeRuleFile(Map<String, Object> prometheusRule, Path file) throws IOException {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    Files.writeString(file, new Yaml(options).dump(at(prometheusRule, "spec")), StandardCharsets.UTF_8);
    return file;
  }

  private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
  private static final Pattern BRACES = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPING = Pattern.compile(
      "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
      "on", "ignoring", "group_left", "group_right", "inf", "nan");

  /**
   * The metric names a PromQL expression reads: identifiers that are not functions, keywords,
   * label names (in braces or grouping clauses), strings or durations.
   */
  static Set<String> metricNames(String promql) {
    String s = STRINGS.matcher(promql).replaceAll("\"\"");
    s = BRACES.matcher(s).replaceAll(" ");
    s = RANGES.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String word = m.group();
      int after = m.end();
      while (after < s.length() && s.charAt(after) == ' ') {
        after++;
      }
      boolean function = after < s.length() && s.charAt(after) == '(';
      boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!function && !number && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
        names.add(word);
      }
    }
    return names;
  }

  /** Metric names in a Prometheus text exposition. */
  static Set<String> exposedNames(String exposition) {
    Set<String> names = new LinkedHashSet<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = IDENT.matcher(line);
      if (m.lookingAt()) {
        names.add(m.group());
      }
    }
    return names;
  }

  /** The README's headings as GitHub anchors ("#### VigilMemoryWarning" -> "vigilmemorywarning"). */
  static Set<String> readmeAnchors() throws IOException {
    Set<String> anchors = new LinkedHashSet<>();
    for (String line : Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8)) {
      if (line.startsWith("#")) {
        String title = line.replaceFirst("^#+\\s*", "").trim().toLowerCase(java.util.Locale.ROOT);
        anchors.add(title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
      }
    }
    return anchors;
  }
}
