package dev.vigil.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil demo --run} as a real process: its child JVM leaks into a 96 MiB heap and would die
 * of it within a minute; the demo turns recycling on and watches the child's process tree, so Vigil
 * replaces the child before that, twice in a row (the second child's history follows a recycle), and
 * the child never crashes while a light load gets 200 every time.
 */
class DemoRunRecycleTest {

  private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+), forwarding to");

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  Process vigil;

  @TempDir
  Path dir;

  @AfterEach
  void tearDown() throws Exception {
    if (vigil != null && vigil.isAlive()) {
      vigil.descendants().forEach(ProcessHandle::destroyForcibly);
      vigil.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  JsonObject json(int port, String path) {
    try {
      return new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body());
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void demoRunRecyclesItsLeakingChildBeforeItDies() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), "dev.vigil.Main", "demo", "--run",
        "--port", "0", "--set", "listen.host=127.0.0.1")
        .redirectError(dir.resolve("stderr.txt").toFile());
    pb.environment().put("VIGIL_RELAUNCH", "false");
    vigil = pb.start();
    LinkedBlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(vigil.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          stdout.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    int port = RunProcessTest.waitFor("the listening line", 60, () -> {
      for (String line : stdout) {
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      return null;
    });
    JsonObject memory = RunProcessTest.waitFor("a memory sample", 30, () -> {
      JsonObject m = json(port, "/sidecar/memory");
      return m != null && m.getDouble("rss_mib") != null ? m : null;
    });
    assertEquals("process", memory.getString("source"), memory.encode());
    assertEquals(120.0, memory.getDouble("limit_mib"), memory.encode());

    // A light load through Vigil, across the recycles.
    AtomicBoolean stop = new AtomicBoolean();
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    Thread load = new Thread(() -> {
      while (!stop.get()) {
        int code;
        try {
          code = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
          code = -1;
        }
        statuses.merge(code, 1, Integer::sum);
        try {
          Thread.sleep(100); // pacing of the load, not a wait for a condition
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    load.start();
    JsonObject app;
    try {
      // A child dies of its heap about 42 s after it starts; two recycles take two such lifetimes.
      app = RunProcessTest.waitFor("two recycles", 110, () -> {
        JsonObject h = json(port, "/sidecar/health");
        JsonObject a = h == null ? null : h.getJsonObject("app");
        return a != null && a.getJsonObject("recycles").getLong("total") >= 2 ? a : null;
      });
    } finally {
      stop.set(true);
      load.join(35_000);
    }
    System.out.println("demo --run: " + app.encode() + "; load " + statuses);
    assertEquals(Map.of("crash", 0, "oom_killed", 0), Map.of("crash", app.getJsonObject("restarts").getInteger("crash"),
        "oom_killed", app.getJsonObject("restarts").getInteger("oom_killed")), "the child never died: " + app.encode());
    assertEquals(Map.of(200, statuses.get(200)), statuses, "every request through Vigil got 200");
    assertTrue(vigil.isAlive());
    vigil.destroy();
    assertTrue(vigil.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, vigil.exitValue(), Files.readString(dir.resolve("stderr.txt")));
  }
}
