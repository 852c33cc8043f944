package dev.vigil.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.app.Ports;
import dev.vigil.config.VigilConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar vigil.jar demo --run}: the demo app as a real child process of {@code vigil run}.
 * It is a small JVM (its own heap capped at {@value #HEAP_MIB} MiB) that really leaks
 * {@value #LEAK_MIB_PER_SECOND} MiB a second and would die of it ({@code -XX:+ExitOnOutOfMemoryError},
 * exit code 3) within a minute; the demo turns recycling on, so Vigil replaces it before that and the
 * recycles, the held requests and the recycle sentence in {@code /sidecar/health} can be watched (with
 * {@code --set recycle.enabled=false}, the restart after the crash). It reports its heap on its own
 * memory endpoint.
 */
public final class DemoChild {

  static final int HEAP_MIB = 96;
  static final int LEAK_MIB_PER_SECOND = 2;
  /** {@code memory.limit} in the demo: below the child's resident size when its heap runs out. */
  static final int LIMIT_MIB = HEAP_MIB + 24;

  private DemoChild() {
  }

  /** The child's command: this JVM's {@code java}, the same class path, a small heap. */
  public static List<String> command() {
    String java = ProcessHandle.current().info().command().orElse("java");
    return List.of(java, "-Xmx" + HEAP_MIB + "m", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), DemoChild.class.getName());
  }

  /**
   * Settings the demo needs, unless the user set them: the child's port, fast polling, a token, and
   * recycling on (issue 14). Memory is the child's process tree ({@code memory.source process}): its
   * own endpoint would be left behind on the old port by the first recycle. The limit is
   * {@value #LIMIT_MIB} MiB: the child dies when its {@value #HEAP_MIB} MiB heap is full, which a
   * JVM reaches at about 135 MiB resident (heap plus some 40 MiB of code, metaspace and threads), so
   * {@code critical} (95% of the limit) comes about 10 s before that death, and the steady projection
   * within {@code recycle.horizon} earlier still.
   */
  public static void prepare(Map<String, String> overrides) {
    String port = overrides.computeIfAbsent("app.port", k -> Integer.toString(Ports.freeLoopbackPort()));
    overrides.putIfAbsent("recycle.enabled", "true");
    overrides.putIfAbsent("recycle.horizon", "10s");
    overrides.putIfAbsent("recycle.minInterval", "10s"); // a child lives about 40 s: the default 5m would let it die
    overrides.putIfAbsent("memory.source", "process");
    overrides.putIfAbsent("memory.limit", LIMIT_MIB + "MiB");
    overrides.putIfAbsent("memory.poll.interval", "2s");
    // Shorter than a child's life, so that the fit follows the new child soon after a recycle.
    overrides.putIfAbsent("memory.trend.window", "20s");
    overrides.putIfAbsent("keepalive.enabled", "false");
    overrides.putIfAbsent("upstream.health.interval", "2s");
    overrides.putIfAbsent("app.restart.backoff", "500ms");
    overrides.putIfAbsent("admin.token", "demo-token-" + Long.toHexString(System.nanoTime()));
    overrides.putIfAbsent("upstream.url", "http://127.0.0.1:" + port);
  }

  /** Prints where to look. */
  public static void printUrls(PrintStream out, VigilConfig config, int proxyPort) {
    String base = "http://127.0.0.1:" + proxyPort;
    String prefix = config.admin().prefix();
    out.println();
    out.println("Vigil demo (run mode) is running: the app is a child process that leaks "
        + LEAK_MIB_PER_SECOND + " MiB/s and would die within a minute; Vigil recycles it first (recycle.enabled)"
        + " and holds requests meanwhile.");
    out.println("  App through Vigil:  " + base + "/");
    out.println("  Dashboard:          " + base + prefix);
    out.println("  Health (app block): " + base + prefix + "health");
    out.println("Try:  while true; do curl -s -o /dev/null -w '%{http_code} %{time_total}s\\n' " + base + "/; sleep 0.2; done");
    out.println("Stop with Ctrl+C.");
    out.flush();
  }

  /** The child: an HTTP server on {@code PORT} that leaks on a timer. */
  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv("PORT"));
    List<byte[][]> leak = new ArrayList<>();
    var leaker = Executors.newSingleThreadScheduledExecutor();
    leaker.scheduleAtFixedRate(() -> {
      // 1 MiB in 64 KiB pieces: a single 1 MiB array is a humongous object that takes two heap regions,
      // so the heap would fill twice as fast as the process grows and the child die at half its size.
      byte[][] mib = new byte[16][];
      for (int i = 0; i < mib.length; i++) {
        mib[i] = new byte[64 << 10];
        java.util.Arrays.fill(mib[i], (byte) 1); // touched: resident, not just reserved
      }
      synchronized (leak) {
        leak.add(mib);
      }
    }, 0, 1000 / LEAK_MIB_PER_SECOND, TimeUnit.MILLISECONDS);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    server.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      Runtime rt = Runtime.getRuntime();
      switch (path) {
        case "/api/health" -> reply(ex, 200, "application/json", "{\"status\":\"ok\"}");
        case "/api/memory-status" -> reply(ex, 200, "application/json", "{\"process\":{\"rss_mb\":"
            + (rt.totalMemory() - rt.freeMemory()) / 1048576.0 + "},\"system\":{\"total_mb\":"
            + rt.maxMemory() / 1048576 + "}}");
        default -> reply(ex, 200, "text/plain; charset=utf-8", "hello from pid " + ProcessHandle.current().pid()
            + " (leaked " + leak.size() + " MiB so far)\n");
      }
    });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (var os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }
}
