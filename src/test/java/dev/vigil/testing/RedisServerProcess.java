package dev.vigil.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} child process on a free loopback port, for tests. Uses the
 * {@code redis-server} on PATH, else the linux-amd64 binary shipped in
 * {@code com.github.codemonstur:embedded-redis} (Redis 6.2). No persistence. Can be frozen
 * ({@code SIGSTOP}), thawed ({@code SIGCONT}), killed and restarted on the same port, to test how
 * clients ride out a hung or vanished server. Call from test threads only (it blocks).
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  private static final String EMBEDDED_BINARY = "redis-server-6.2.6-v5-linux-amd64";

  private final Path binary;
  private final int port;
  private final List<String> extraArgs;
  private Process process;

  private RedisServerProcess(Path binary, int port, List<String> extraArgs) {
    this.binary = binary;
    this.port = port;
    this.extraArgs = extraArgs;
  }

  /**
   * Starts a server on a free port and waits until it is up.
   *
   * @param extraArgs more redis-server options, e.g. {@code "--requirepass", "secret"}
   */
  public static RedisServerProcess start(String... extraArgs) throws IOException {
    RedisServerProcess server = new RedisServerProcess(findBinary(), freePort(), List.of(extraArgs));
    server.launch();
    return server;
  }

  /** @return the port the server listens on (kept across {@link #restart()}) */
  public int port() {
    return port;
  }

  /** @return {@code redis://127.0.0.1:port} */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** @return the server's process id */
  public long pid() {
    return process.pid();
  }

  /** Freezes the server: the socket stays open, nothing answers. */
  public void freeze() throws IOException {
    signal("STOP");
  }

  /** Resumes a frozen server. */
  public void thaw() throws IOException {
    signal("CONT");
  }

  /** Kills the server (SIGKILL) and waits until it is gone. */
  public void kill() throws IOException {
    // A frozen process cannot handle SIGTERM; SIGKILL always works.
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while killing redis-server", e);
    }
  }

  /** Starts the server again on the same port, with empty data. */
  public void restart() throws IOException {
    if (process.isAlive()) {
      kill();
    }
    launch();
  }

  /** @return true when the server answers PING right now, even with an auth error (short socket timeout) */
  public boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(200);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] reply = new byte[7];
      int n = socket.getInputStream().read(reply);
      String answer = n > 0 ? new String(reply, 0, n, StandardCharsets.US_ASCII) : "";
      return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    if (process != null && process.isAlive()) {
      signal("CONT");
      kill();
    }
  }

  private void launch() throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of(binary.toString(),
        "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--protected-mode", "no"));
    command.addAll(extraArgs);
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!answersPing()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IOException("redis-server did not start on port " + port);
      }
      pause(20);
    }
  }

  private void signal(String name) throws IOException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
        .redirectErrorStream(true).start();
    try {
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IOException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static Path findBinary() throws IOException {
    // -Dvigil.test.redis=embedded forces the bundled binary (to check that path on a machine that has one).
    boolean embeddedOnly = "embedded".equals(System.getProperty("vigil.test.redis"));
    for (String dir : embeddedOnly ? new String[0] : pathDirs()) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    try (InputStream in = RedisServerProcess.class.getResourceAsStream("/" + EMBEDDED_BINARY)) {
      if (in == null) {
        throw new IOException("no redis-server on PATH and no " + EMBEDDED_BINARY + " on the classpath");
      }
      Path extracted = Files.createTempFile("redis-server-", "");
      Files.copy(in, extracted, StandardCopyOption.REPLACE_EXISTING);
      extracted.toFile().setExecutable(true);
      extracted.toFile().deleteOnExit();
      return extracted;
    }
  }

  private static String[] pathDirs() {
    return System.getenv().getOrDefault("PATH", "/usr/bin").split(":");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Polls a condition until it holds or the bound passes; for test threads only. */
  public static boolean awaitCondition(Duration bound, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      pause(20);
    }
    return true;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
