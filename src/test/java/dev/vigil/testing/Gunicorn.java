package dev.vigil.testing;

import dev.vigil.app.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Debian's gunicorn serving the tiny Flask app of the test resources ({@code /app/flask_app.py}):
 * a master that imports the app and forks workers ({@code --preload}, so they share its pages), on
 * a free loopback port. Ready once every worker runs and {@code /health} answers 200.
 */
public final class Gunicorn implements AutoCloseable {

  private final Process process;
  private final int port;

  private Gunicorn(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts the master and {@code workers} workers; {@code wrap} may prefix the command (e.g. a cgroup). */
  public static Gunicorn start(int workers, UnaryOperator<List<String>> wrap) throws Exception {
    Path dir = Path.of(Gunicorn.class.getResource("/app/flask_app.py").toURI()).getParent();
    int port = Ports.freeLoopbackPort();
    List<String> cmd = List.of("/usr/bin/gunicorn", "--preload", "-w", Integer.toString(workers),
        "-b", "127.0.0.1:" + port, "--chdir", dir.toString(), "flask_app:app");
    Process p = new ProcessBuilder(wrap.apply(cmd)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Gunicorn g = new Gunicorn(p, port);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    HttpClient http = HttpClient.newHttpClient();
    while (true) {
      if (!p.isAlive()) {
        throw new AssertionError("gunicorn exited with " + p.exitValue() + ": " + cmd);
      }
      try {
        if (p.children().count() == workers && http.send(HttpRequest.newBuilder(g.url("/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return g;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > end) {
        g.close();
        throw new AssertionError("gunicorn did not start " + workers + " workers within 30 s");
      }
      Thread.sleep(50);
    }
  }

  public long pid() {
    return process.pid();
  }

  public int port() {
    return port;
  }

  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** The master and its descendants, master first. */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    pids.add(process.pid());
    process.descendants().forEach(h -> pids.add(h.pid()));
    return pids;
  }

  /** What {@code /proc} says now for the tree: {VmRSS sum, smaps_rollup Pss sum} in bytes. */
  public long[] procSums() throws IOException {
    long rss = 0;
    long pss = 0;
    for (long pid : pids()) {
      rss += procKb(pid, "status", "VmRSS:") * 1024;
      pss += procKb(pid, "smaps_rollup", "Pss:") * 1024;
    }
    return new long[] {rss, pss};
  }

  /** A {@code Key:  123 kB} value of {@code /proc/PID/FILE}. */
  public static long procKb(long pid, String file, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + key + " in /proc/" + pid + "/" + file);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
