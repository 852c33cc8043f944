package dev.vigil.config;

import dev.vigil.app.Ports;
import dev.vigil.app.RestartPolicy;
import dev.vigil.config.Setting.Kind;
import dev.vigil.app.recycle.RecycleOptions;
import dev.vigil.keepalive.KeepAliveOptions;
import dev.vigil.memory.MemoryState;
import dev.vigil.memory.MemoryWatchOptions;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the configuration: defaults, then the YAML file, then {@code VIGIL_*} environment
 * variables, then command-line options, each overriding the one before. Every value is checked,
 * and all problems are reported together in one {@link ConfigException}.
 */
public final class ConfigLoader {

  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private final List<String> problems = new ArrayList<>();
  private final Map<String, Object> raw = new LinkedHashMap<>();
  private final Map<String, String> origin = new LinkedHashMap<>();
  private final Consumer<String> warnings;
  private final boolean runMode;

  private ConfigLoader(Consumer<String> warnings, boolean runMode) {
    this.warnings = warnings;
    this.runMode = runMode;
    for (Setting s : Settings.ALL.values()) {
      raw.put(s.key(), s.defaultValue());
    }
  }

  /**
   * Loads and validates everything.
   *
   * @param file the YAML file, or null for built-in defaults
   * @param env the process environment (only {@code VIGIL_*} entries are read)
   * @param overrides command-line values by key, applied last
   * @param warnings receives one line per ignored-but-suspicious input (unknown {@code VIGIL_*} variables)
   * @throws ConfigException naming every bad key, value and what is allowed
   */
  public static VigilConfig load(Path file, Map<String, String> env, Map<String, String> overrides,
                                 Consumer<String> warnings) {
    return load(file, env, overrides, warnings, false);
  }

  /**
   * As {@link #load(Path, Map, Map, Consumer)}, for {@code vigil run}: {@code app.port} falls back to
   * a free loopback port, and an unset {@code upstream.url} means {@code http://127.0.0.1:{app.port}}
   * (so the memory and keep-alive URLs derived from it point at the child too).
   */
  public static VigilConfig loadForRun(Path file, Map<String, String> env, Map<String, String> overrides,
                                       Consumer<String> warnings) {
    return load(file, env, overrides, warnings, true);
  }

  private static VigilConfig load(Path file, Map<String, String> env, Map<String, String> overrides,
                                  Consumer<String> warnings, boolean runMode) {
    ConfigLoader loader = new ConfigLoader(warnings, runMode);
    if (file != null) {
      loader.readFile(file);
    }
    loader.readEnv(env);
    overrides.forEach((k, v) -> loader.put(k, v, "command line"));
    VigilConfig config = loader.build();
    if (!loader.problems.isEmpty()) {
      throw new ConfigException(loader.problems);
    }
    return config;
  }

  /** The keys this version understands, in file order. */
  public static List<String> keys() {
    return List.copyOf(Settings.ALL.keySet());
  }

  private void readFile(Path file) {
    Object doc;
    try (Reader reader = Files.newBufferedReader(file)) {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(10);
      doc = new Yaml(new SafeConstructor(options)).load(reader);
    } catch (IOException e) {
      problems.add("config file " + file + ": cannot be read (" + e.getMessage() + ")");
      return;
    } catch (RuntimeException e) {
      problems.add("config file " + file + ": not valid YAML (" + e.getMessage().replace('\n', ' ') + ")");
      return;
    }
    if (doc == null) {
      return;
    }
    if (!(doc instanceof Map<?, ?> map)) {
      problems.add("config file " + file + ": expected a YAML mapping of sections (listen:, upstream:, ...)");
      return;
    }
    flatten("", map, file.toString());
  }

  private void flatten(String prefix, Map<?, ?> map, String source) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String path = prefix + e.getKey();
      Object value = e.getValue();
      if (Settings.ALL.containsKey(path)) {
        put(path, value, source);
      } else if (Settings.isSection(path) && value instanceof Map<?, ?> child) {
        flatten(path + ".", child, source);
      } else if (Settings.isSection(path) && value == null) {
        continue; // an empty section keeps its defaults
      } else {
        problems.add(path + ": unknown key in " + source + nearest(path));
      }
    }
  }

  private void readEnv(Map<String, String> env) {
    Map<String, Setting> byEnv = new LinkedHashMap<>();
    Settings.ALL.values().forEach(s -> byEnv.put(s.envName(), s));
    env.forEach((name, value) -> {
      if (!name.startsWith("VIGIL_")) {
        return;
      }
      Setting s = byEnv.get(name.toUpperCase(Locale.ROOT));
      if (s != null) {
        put(s.key(), value, "environment " + name);
      } else {
        // Not an error: Kubernetes injects VIGIL_PORT, VIGIL_SERVICE_HOST, ... for a Service named "vigil".
        warnings.accept("ignoring environment variable " + name + ": not a Vigil setting");
      }
    });
  }

  private void put(String key, Object value, String source) {
    if (!Settings.ALL.containsKey(key)) {
      problems.add(key + ": unknown key" + nearest(key));
      return;
    }
    raw.put(key, value);
    origin.put(key, source);
  }

  private static String nearest(String key) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : Settings.ALL.keySet()) {
      int d = distance(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return bestDistance <= 3 ? " (did you mean " + best + "?)" : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  // ---- typed reads; each records a problem and returns a safe placeholder on failure ----

  private void bad(String key, Object value, Kind kind, String detail) {
    String shown = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    String from = origin.containsKey(key) ? " (from " + origin.get(key) + ")" : "";
    problems.add(key + " = " + shown + from + ": expected " + (detail != null ? detail : kind.expected));
  }

  private Setting setting(String key) {
    return Settings.ALL.get(key);
  }

  private boolean isNull(Object v) {
    return v == null || (v instanceof String s && (s.isBlank() || s.equals("null") || s.equals("~")));
  }

  private String range(Setting s, String unit) {
    if (s.max() == Double.POSITIVE_INFINITY) {
      return null;
    }
    return s.kind().expected + " between " + fmt(s.min(), unit) + " and " + fmt(s.max(), unit);
  }

  private static String fmt(double v, String unit) {
    if ("ms".equals(unit)) {
      return Units.formatDuration(Duration.ofMillis((long) v));
    }
    if ("bytes".equals(unit)) {
      return Units.formatSize((long) v);
    }
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  private String str(String key) {
    Object v = raw.get(key);
    if (isNull(v)) {
      return null;
    }
    if (v instanceof Map || v instanceof List) {
      bad(key, v, setting(key).kind(), null);
      return null;
    }
    return String.valueOf(v).trim();
  }

  /** Parses a value; throws IllegalArgumentException (or another RuntimeException) when it does not parse. */
  @FunctionalInterface
  private interface Parser<T> {
    T parse(String text);
  }

  /**
   * The one reader behind every number, duration and size: parse, check the bound, and on failure
   * record one problem naming the key, the value, its source and what is allowed. Returns null
   * for an unset value and {@code onError} for a bad one.
   *
   * @param asNumber the value as a double for the bound check
   * @param unit how bounds are rendered in the message ({@code "ms"}, {@code "bytes"} or null)
   */
  private <T> T bounded(String key, Parser<T> parser, java.util.function.ToDoubleFunction<T> asNumber, String unit,
                        T onError) {
    Object v = raw.get(key);
    Setting s = setting(key);
    if (isNull(v)) {
      return null;
    }
    T parsed;
    try {
      parsed = parser.parse(String.valueOf(v));
    } catch (RuntimeException e) {
      bad(key, v, s.kind(), range(s, unit));
      return onError;
    }
    double n = asNumber.applyAsDouble(parsed);
    if (Double.isNaN(n) || n < s.min() || n > s.max()) {
      bad(key, v, s.kind(), range(s, unit));
      return onError;
    }
    return parsed;
  }

  private Integer integer(String key) {
    Long n = bounded(key, text -> Long.parseLong(text.trim()), Long::doubleValue, null, null);
    return n == null ? null : n.intValue();
  }

  /** An integer whose unset value means its default ({@link Settings} is the one home of defaults). */
  private int intOrDefault(String key) {
    Integer v = integer(key);
    return v != null ? v : ((Number) setting(key).defaultValue()).intValue();
  }

  private boolean bool(String key) {
    Object v = raw.get(key);
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    bad(key, v, Kind.BOOL, null);
    return false;
  }

  private Duration duration(String key) {
    return bounded(key, Units::parseDuration, d -> d.toMillis(), "ms", Duration.ofSeconds(1));
  }

  private Long size(String key) {
    return bounded(key, Units::parseSize, Long::doubleValue, "bytes", null);
  }

  /** A size whose unset value means its default. */
  private long sizeOrDefault(String key) {
    Long v = size(key);
    return v != null ? v : Units.parseSize(String.valueOf(setting(key).defaultValue()));
  }

  private double decimal(String key, boolean fraction) {
    Parser<Double> parser = fraction ? Units::parseFraction : text -> Double.parseDouble(text.trim().replace("%", ""));
    Double d = bounded(key, parser, Double::doubleValue, null, setting(key).min());
    if (d == null) {
      // Unset where a number is required: reported like a bad value, as before.
      bad(key, raw.get(key), setting(key).kind(), range(setting(key), null));
      return setting(key).min();
    }
    return d;
  }

  private URI url(String key, boolean redis) {
    String v = str(key);
    if (v == null) {
      return null;
    }
    Kind kind = redis ? Kind.REDIS_URL : Kind.URL;
    try {
      URI uri = new URI(v);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      boolean schemeOk = redis ? scheme.equals("redis") || scheme.equals("rediss")
          : scheme.equals("http") || scheme.equals("https");
      if (!schemeOk || uri.getHost() == null || uri.getHost().isEmpty() || uri.getPort() > 65535) {
        bad(key, v, kind, null);
        return null;
      }
      return uri;
    } catch (Exception e) {
      bad(key, v, kind, null);
      return null;
    }
  }

  private String host(String key) {
    String v = str(key);
    if (v == null || !v.matches("[A-Za-z0-9.:\\-\\[\\]%]+")) {
      bad(key, raw.get(key), Kind.HOST, null);
      return "0.0.0.0";
    }
    return v;
  }

  private String path(String key, boolean prefix) {
    String v = str(key);
    Kind kind = prefix ? Kind.PATH_PREFIX : Kind.PATH;
    if (v == null || !v.startsWith("/") || (prefix && (!v.endsWith("/") || v.length() < 3))
        || v.contains("..") || v.contains("//") || v.contains("?") || v.contains("#") || v.contains("%")) {
      bad(key, raw.get(key), kind, null);
      return prefix ? "/sidecar/" : "/";
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  private List<String> stringList(String key) {
    Object v = raw.get(key);
    if (isNull(v)) {
      return List.of();
    }
    if (v instanceof String s) {
      List<String> out = new ArrayList<>();
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
      v = out;
    }
    if (!(v instanceof List<?> list)) {
      bad(key, v, Kind.STRING_LIST, null);
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s) || !s.startsWith("/")) {
        bad(key, v, Kind.STRING_LIST, "a list of path patterns that start with /");
        return List.of();
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  private List<KeepAliveOptions.Window> windows(String key) {
    Object v = raw.get(key);
    if (isNull(v)) {
      return List.of();
    }
    if (v instanceof String s) {
      // Environment form: "07:00-22:00=10m,22:00-07:00=30m"
      List<Object> parsed = new ArrayList<>();
      for (String part : s.split(",")) {
        String[] kv = part.trim().split("=");
        String[] range = kv[0].split("-");
        if (kv.length != 2 || range.length != 2) {
          bad(key, v, Kind.WINDOWS, "a list of {from: HH:MM, to: HH:MM, interval: duration}"
              + " (or, in the environment, 07:00-22:00=10m,22:00-07:00=30m)");
          return List.of();
        }
        parsed.add(Map.of("from", range[0].trim(), "to", range[1].trim(), "interval", kv[1].trim()));
      }
      v = parsed;
    }
    if (!(v instanceof List<?> list)) {
      bad(key, v, Kind.WINDOWS, null);
      return List.of();
    }
    List<KeepAliveOptions.Window> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = key + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> w) || !w.keySet().equals(java.util.Set.of("from", "to", "interval"))) {
        problems.add(at + " = " + list.get(i) + ": expected {from: HH:MM, to: HH:MM, interval: duration}");
        continue;
      }
      try {
        LocalTime from = LocalTime.parse(String.valueOf(w.get("from")).trim());
        LocalTime to = LocalTime.parse(String.valueOf(w.get("to")).trim());
        Duration interval = Units.parseDuration(String.valueOf(w.get("interval")));
        if (interval.toMillis() < 10 || from.equals(to)) {
          throw new IllegalArgumentException();
        }
        out.add(new KeepAliveOptions.Window(from, to, interval));
      } catch (DateTimeParseException | IllegalArgumentException e) {
        problems.add(at + " = " + w + ": expected from/to as HH:MM (different times) and an interval of at least 10ms");
      }
    }
    return List.copyOf(out);
  }

  private ZoneId zone(String key) {
    String v = str(key);
    try {
      return ZoneId.of(v);
    } catch (Exception e) {
      bad(key, raw.get(key), Kind.ZONE, null);
      return ZoneId.of("UTC");
    }
  }

  private double rate(String key) {
    try {
      return Rate.parsePerSecond(str(key));
    } catch (IllegalArgumentException e) {
      bad(key, raw.get(key), Kind.RATE, null);
      return 1;
    }
  }

  private String limitKey(String key) {
    String v = str(key);
    if ("ip".equals(v)) {
      return v;
    }
    if (v != null && v.startsWith("header:") && HEADER_NAME.matcher(v.substring(7)).matches()) {
      return v;
    }
    bad(key, raw.get(key), Kind.LIMIT_KEY, null);
    return "ip";
  }

  private String pointer(String key) {
    String v = str(key);
    if (v != null && !v.startsWith("/")) {
      bad(key, v, Kind.JSON_POINTER, null);
      return null;
    }
    return v;
  }

  private String memoryUnit(String key) {
    String v = str(key);
    if (v == null) {
      return null;
    }
    for (String unit : List.of("MiB", "MB", "bytes", "KiB")) {
      if (unit.equalsIgnoreCase(v)) {
        return unit;
      }
    }
    bad(key, v, Kind.MEMORY_UNIT, null);
    return null;
  }

  private String memorySource(String key) {
    return oneOf(key, Kind.MEMORY_SOURCE, List.of("auto", "http", "process", "cgroup"));
  }

  /** One of {@code values} (any case), returned as written there; the first one after a bad value. */
  private String oneOf(String key, Kind kind, List<String> values) {
    String v = str(key);
    for (String value : values) {
      if (value.equalsIgnoreCase(v)) {
        return value;
      }
    }
    bad(key, raw.get(key), kind, null);
    return values.get(0);
  }

  /** A regular expression that compiles; returned as text so that the config stays comparable. */
  private String regex(String key) {
    String v = str(key);
    if (v == null) {
      return null;
    }
    try {
      Pattern.compile(v);
      return v;
    } catch (java.util.regex.PatternSyntaxException e) {
      bad(key, v, Kind.REGEX, Kind.REGEX.expected + " (" + e.getDescription() + " at index " + e.getIndex() + ")");
      return null;
    }
  }

  private RestartPolicy restartPolicy(String key) {
    String v = str(key);
    try {
      return RestartPolicy.parse(v);
    } catch (IllegalArgumentException e) {
      bad(key, raw.get(key), Kind.RESTART_POLICY, null);
      return RestartPolicy.ALWAYS;
    }
  }

  /** {@code app.*} of {@code vigil run}; in run mode an unset {@code app.port} becomes a free loopback port. */
  private VigilConfig.Run run() {
    Integer port = integer("app.port");
    if (port == null && runMode) {
      port = Ports.freeLoopbackPort();
    }
    Duration backoff = duration("app.restart.backoff");
    Duration maxBackoff = duration("app.restart.maxBackoff");
    if (maxBackoff.compareTo(backoff) < 0) {
      bad("app.restart.maxBackoff", raw.get("app.restart.maxBackoff"), Kind.DURATION,
          "a duration of at least app.restart.backoff (" + Units.formatDuration(backoff) + ")");
    }
    return new VigilConfig.Run(port, duration("app.stopTimeout"), restartPolicy("app.restart.policy"), backoff,
        maxBackoff, intOrDefault("app.hold.maxRequests"), duration("app.hold.timeout"));
  }

  private VigilConfig build() {
    var listen = new VigilConfig.Listen(host("listen.host"), intOrDefault("listen.port"));
    var run = run();
    if (run.port() != null && run.port() == listen.port()) {
      bad("app.port", run.port(), Kind.INT, "a port different from listen.port (" + listen.port() + ")");
    }

    // null (or unset) means the default: the child's port in run mode, else the Settings default.
    if (!origin.containsKey("upstream.url") || isNull(raw.get("upstream.url"))) {
      raw.put("upstream.url", runMode && run.port() != null ? "http://127.0.0.1:" + run.port()
          : setting("upstream.url").defaultValue());
    }
    URI upstreamUrl = url("upstream.url", false);
    if (upstreamUrl == null && problems.stream().noneMatch(p -> p.startsWith("upstream.url"))) {
      bad("upstream.url", raw.get("upstream.url"), Kind.URL, null);
    }
    if (upstreamUrl == null) {
      upstreamUrl = URI.create("http://127.0.0.1:8000");
    }
    if (upstreamUrl.getRawQuery() != null || upstreamUrl.getRawFragment() != null) {
      bad("upstream.url", upstreamUrl.toString(), Kind.URL, "an http:// or https:// URL without query or fragment");
    }
    var upstream = new VigilConfig.Upstream(
        upstreamUrl,
        duration("upstream.connectTimeout"),
        bool("upstream.rewriteHost"),
        new VigilConfig.Pool(intOrDefault("upstream.pool.maxSize"), intOrDefault("upstream.pool.waitQueue"),
            duration("upstream.pool.idleTimeout"), duration("upstream.pool.maxLifetime")),
        new VigilConfig.HealthCheck(path("upstream.health.path", false), duration("upstream.health.interval"),
            duration("upstream.health.timeout"), intOrDefault("upstream.health.unhealthyAfter")),
        oneOf("upstream.engine", Kind.UPSTREAM_ENGINE, List.of("netty", "vertx")));

    var proxy = new VigilConfig.Proxy(sizeOrDefault("proxy.maxBodySize"), (int) sizeOrDefault("proxy.maxHeaderSize"),
        duration("proxy.headerTimeout"), duration("proxy.requestTimeout"), duration("proxy.idleTimeout"),
        intOrDefault("proxy.maxInFlight"), bool("proxy.lenient"));

    String token = str("admin.token");
    if (token != null && token.length() < 16) {
      bad("admin.token", "<" + token.length() + " characters>", Kind.STRING, "a token of at least 16 characters");
    }
    var admin = new VigilConfig.Admin(path("admin.prefix", true), integer("admin.port"), token);
    if (admin.port() != null && admin.port() != 0 && admin.port() == listen.port()) {
      bad("admin.port", admin.port(), Kind.INT, "a port different from listen.port (" + listen.port() + ")");
    }

    var metrics = new VigilConfig.Metrics(bool("metrics.enabled"), intOrDefault("metrics.requestBuffer"), intOrDefault("metrics.maxRoutes"),
        stringList("metrics.routePatterns"), bool("metrics.vertxHttpMeters"));

    URI pollUrl = url("memory.poll.url", false);
    boolean memoryEnabled = bool("memory.enabled");
    Duration pollInterval = duration("memory.poll.interval");
    Duration pollTimeout = duration("memory.poll.timeout");
    String rssPointer = pointer("memory.poll.rssPointer");
    String rssUnit = memoryUnit("memory.poll.rssUnit");
    int history = intOrDefault("memory.history");
    Long limit = size("memory.limit");
    Duration trendWindow = duration("memory.trend.window");
    double warnPercent = decimal("memory.warnPercent", false);
    double criticalPercent = decimal("memory.criticalPercent", false);
    Duration warnHorizon = duration("memory.warnHorizon");
    Duration criticalHorizon = duration("memory.criticalHorizon");
    URI cleanupUrl = url("memory.cleanup.url", false);
    Duration cleanupCooldown = duration("memory.cleanup.cooldown");
    boolean unready = bool("memory.unreadyWhenCritical");
    MemoryWatchOptions watch = null;
    if (problems.stream().noneMatch(p -> p.startsWith("memory."))) {
      if (warnPercent >= criticalPercent) {
        bad("memory.warnPercent", raw.get("memory.warnPercent"), Kind.PERCENT,
            "a percentage below memory.criticalPercent (" + fmt(criticalPercent, null) + ")");
      }
      try {
        watch = new MemoryWatchOptions(pollUrl != null ? pollUrl : upstream.resolve(MemoryWatchOptions.DEFAULT_POLL_PATH),
            pollInterval, pollTimeout, rssPointer, rssUnit, history, limit, trendWindow, warnPercent,
            criticalPercent, warnHorizon, criticalHorizon, cleanupUrl, cleanupCooldown, unready);
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    var memory = new VigilConfig.Memory(memoryEnabled, watch, memorySource("memory.source"),
        regex("memory.process.match"),
        new VigilConfig.Diagnostics(url("memory.diagnostics.url", false), duration("memory.diagnostics.timeout")));

    URI target = url("keepalive.target", false);
    var keepalive = new KeepAliveOptions(bool("keepalive.enabled"),
        target != null ? target : upstream.resolve(KeepAliveOptions.DEFAULT_TARGET_PATH),
        zone("keepalive.timezone"), windows("keepalive.windows"), duration("keepalive.defaultInterval"),
        duration("keepalive.timeout"), decimal("keepalive.jitter", true), duration("keepalive.maxBackoff"));
    if (problems.stream().noneMatch(p -> p.startsWith("keepalive."))) {
      problems.addAll(keepalive.validate());
    }

    var health = new VigilConfig.Health(decimal("health.errorRateDegraded", false));
    var overload = new VigilConfig.Overload(decimal("overload.heapShedPercent", false));
    String rateText = str("ratelimit.rate");
    var ratelimit = new VigilConfig.RateLimit(bool("ratelimit.enabled"), rateText, rate("ratelimit.rate"),
        intOrDefault("ratelimit.burst"), limitKey("ratelimit.key"), intOrDefault("ratelimit.maxKeys"));

    String prefix = str("redis.keyPrefix");
    var redis = new VigilConfig.Redis(url("redis.url", true), duration("redis.timeout"), prefix == null ? "" : prefix);

    String name = str("app.name");
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      bad("app.name", raw.get("app.name"), Kind.STRING, "1 to 64 characters of letters, digits, '.', '_' or '-'");
      name = "app";
    }
    String instance = str("app.instance");
    if (instance == null) {
      instance = defaultInstance();
    }
    var app = new VigilConfig.App(name, instance, run);
    var lifecycle = new VigilConfig.Lifecycle(duration("lifecycle.drainTimeout"));

    return new VigilConfig(listen, upstream, proxy, admin, metrics, memory, keepalive, health, overload, ratelimit,
        redis, app, lifecycle, recycle());
  }

  /** The {@code recycle.*} keys. */
  private RecycleOptions recycle() {
    try {
      return new RecycleOptions(bool("recycle.enabled"), memoryState("recycle.at"), durationOrDefault("recycle.horizon"),
          durationOrDefault("recycle.minInterval"), decimal("recycle.margin", true), intOrDefault("recycle.maxConcurrent"),
          durationOrDefault("recycle.baselineAfter"), durationOrDefault("recycle.lead"));
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return RecycleOptions.defaults();
    }
  }

  private Duration durationOrDefault(String key) {
    Duration v = duration(key);
    return v != null ? v : Units.parseDuration(String.valueOf(setting(key).defaultValue()));
  }

  private MemoryState memoryState(String key) {
    String v = str(key);
    if (v != null) {
      for (MemoryState s : List.of(MemoryState.WARNING, MemoryState.CRITICAL)) {
        if (s.label().equalsIgnoreCase(v)) {
          return s;
        }
      }
    }
    bad(key, raw.get(key), Kind.MEMORY_STATE, null);
    return MemoryState.CRITICAL;
  }

  private static String defaultInstance() {
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "vigil-" + ProcessHandle.current().pid();
    }
  }
}
