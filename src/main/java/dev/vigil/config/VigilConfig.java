package dev.vigil.config;

import dev.vigil.app.RestartPolicy;
import dev.vigil.app.recycle.RecycleOptions;
import dev.vigil.keepalive.KeepAliveOptions;
import dev.vigil.memory.MemoryWatchOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The validated, immutable configuration. Built only by {@link ConfigLoader}; every value here has
 * passed its bound check, so consumers copy what they need and never re-validate.
 */
public record VigilConfig(
    Listen listen,
    Upstream upstream,
    Proxy proxy,
    Admin admin,
    Metrics metrics,
    Memory memory,
    KeepAliveOptions keepalive,
    Health health,
    Overload overload,
    RateLimit ratelimit,
    Redis redis,
    App app,
    Lifecycle lifecycle,
    RecycleOptions recycle) {

  public record Listen(String host, int port) {
  }

  public record Upstream(URI url, Duration connectTimeout, boolean rewriteHost, Pool pool, HealthCheck health,
                         String engine) {

    public String host() {
      return url.getHost();
    }

    public int port() {
      int p = url.getPort();
      return p != -1 ? p : ("https".equalsIgnoreCase(url.getScheme()) ? 443 : 80);
    }

    public boolean ssl() {
      return "https".equalsIgnoreCase(url.getScheme());
    }

    /** The URL's path without a trailing slash ("" for the root), prepended to every forwarded path. */
    public String basePath() {
      String p = url.getRawPath();
      if (p == null || p.isEmpty() || p.equals("/")) {
        return "";
      }
      return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** The upstream URL with {@code path} appended, e.g. the default memory endpoint. */
    public URI resolve(String path) {
      String base = url.toString();
      if (base.endsWith("/")) {
        base = base.substring(0, base.length() - 1);
      }
      return URI.create(base + path);
    }
  }

  public record Pool(int maxSize, int waitQueue, Duration idleTimeout, Duration maxLifetime) {
  }

  public record HealthCheck(String path, Duration interval, Duration timeout, int unhealthyAfter) {
  }

  public record Proxy(long maxBodySize, int maxHeaderSize, Duration headerTimeout, Duration requestTimeout,
                      Duration idleTimeout, int maxInFlight, boolean lenient) {
  }

  /** {@code port} and {@code token} are null when not set. */
  public record Admin(String prefix, Integer port, String token) {
  }

  public record Metrics(boolean enabled, int requestBuffer, int maxRoutes, List<String> routePatterns, boolean vertxHttpMeters) {
  }

  /**
   * {@code enabled} false turns polling off; {@code source} is {@code memory.source} ({@code auto | http |
   * process | cgroup}); {@code processMatch} is {@code memory.process.match} (a valid regex) or null;
   * {@code diagnostics} holds {@code memory.diagnostics.*}; {@code watch} holds every other
   * {@code memory.*} setting.
   */
  public record Memory(boolean enabled, MemoryWatchOptions watch, String source, String processMatch,
                       Diagnostics diagnostics) {
  }

  /** {@code memory.diagnostics.url} (null: no hook) and {@code memory.diagnostics.timeout}. */
  public record Diagnostics(URI url, Duration timeout) {
  }

  public record Health(double errorRateDegraded) {
  }

  public record Overload(double heapShedPercent) {
  }

  /** {@code permitsPerSecond} comes from {@code rate}; {@code key} is "ip" or "header:NAME". */
  public record RateLimit(boolean enabled, String rate, double permitsPerSecond, int burst, String key, int maxKeys) {
  }

  /** {@code url} is null when Redis is off. */
  public record Redis(URI url, Duration timeout, String keyPrefix) {

    public boolean enabled() {
      return url != null;
    }
  }

  /** {@code run} holds the {@code vigil run} settings (used in run mode only). */
  public record App(String name, String instance, Run run) {
  }

  /**
   * {@code app.*} of {@code vigil run}. {@code port} is {@code app.port}: in run mode never null (a
   * free loopback port was picked when it was not set), otherwise null when not set.
   */
  public record Run(Integer port, Duration stopTimeout, RestartPolicy policy, Duration backoff, Duration maxBackoff,
                    int holdMaxRequests, Duration holdTimeout) {
  }

  public record Lifecycle(Duration drainTimeout) {
  }
}
