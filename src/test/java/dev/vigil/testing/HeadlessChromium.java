package dev.vigil.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol, for browser tests of pages Vigil
 * serves.
 *
 * <p>Usage (test thread only; every call blocks with a bound):
 * <pre>{@code
 * try (HeadlessChromium chromium = HeadlessChromium.launch()) {
 *   HeadlessChromium.Tab tab = chromium.openTab();
 *   tab.setViewport(1366, 850, 1, false);
 *   tab.navigate("http://127.0.0.1:" + port + "/sidecar/");
 *   tab.waitFor("window.__vigilReady === true", Duration.ofSeconds(15));
 *   tab.screenshot(Path.of("target/page.png"));
 *   assertEquals(List.of(), tab.problems());
 * }
 * }</pre>
 *
 * <p>{@link #findExecutable()} looks at {@code $CHROMIUM}, then {@code chromium}, {@code
 * chromium-browser}, {@code google-chrome} on the usual paths and the {@code PATH}. {@link #close()}
 * always kills the process and deletes its temporary profile directory. Not thread-safe: one test
 * thread drives one instance.
 */
public final class HeadlessChromium implements AutoCloseable {

  /** Bound for one DevTools command. */
  public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024; // screenshots arrive as one base64 text message
  private static final List<String> CANDIDATES = List.of("chromium", "chromium-browser", "google-chrome");

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final Process process;
  private final Path profileDir;
  private final String browserWsUrl;
  private final WebSocketClient wsClient;
  private final Cdp browser;
  private final List<Tab> tabs = new ArrayList<>();

  private HeadlessChromium(Vertx vertx, boolean ownsVertx, Process process, Path profileDir, String browserWsUrl)
      throws IOException {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.process = process;
    this.profileDir = profileDir;
    this.browserWsUrl = browserWsUrl;
    this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(MAX_MESSAGE_BYTES).setMaxMessageSize(MAX_MESSAGE_BYTES));
    this.browser = Cdp.connect(wsClient, browserWsUrl);
  }

  /** The Chromium binary to use: {@code $CHROMIUM} when set, else the first one found. */
  public static Optional<Path> findExecutable() {
    String override = System.getenv("CHROMIUM");
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    List<Path> dirs = new ArrayList<>(List.of(Path.of("/usr/bin"), Path.of("/usr/local/bin"), Path.of("/snap/bin")));
    String pathEnv = System.getenv("PATH");
    if (pathEnv != null) {
      for (String d : pathEnv.split(java.io.File.pathSeparator)) {
        if (!d.isBlank()) {
          dirs.add(Path.of(d));
        }
      }
    }
    for (String name : CANDIDATES) {
      for (Path dir : dirs) {
        Path p = dir.resolve(name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /** Starts Chromium with its own Vert.x instance (closed in {@link #close()}). */
  public static HeadlessChromium launch() throws IOException {
    Vertx own = Vertx.vertx();
    try {
      return launch(own, true);
    } catch (IOException | RuntimeException e) {
      own.close();
      throw e;
    }
  }

  /** Starts Chromium and talks to it through the given Vert.x instance (left open in {@link #close()}). */
  public static HeadlessChromium launch(Vertx vertx) throws IOException {
    return launch(vertx, false);
  }

  private static HeadlessChromium launch(Vertx vertx, boolean ownsVertx) throws IOException {
    Path exe = findExecutable().orElseThrow(() -> new IOException("chromium not installed"));
    Path profile = Files.createTempDirectory("vigil-chromium-");
    Process process = null;
    try {
      process = new ProcessBuilder(exe.toString(),
          "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
          "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
          "--user-data-dir=" + profile, "about:blank")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      String wsUrl = readDevToolsUrl(process);
      return new HeadlessChromium(vertx, ownsVertx, process, profile, wsUrl);
    } catch (IOException | RuntimeException e) {
      if (process != null) {
        process.destroyForcibly();
      }
      deleteRecursively(profile);
      throw e;
    }
  }

  /** Reads stderr until the DevTools line, then keeps draining it so Chromium never blocks on a full pipe. */
  private static String readDevToolsUrl(Process process) throws IOException {
    CompletableFuture<String> url = new CompletableFuture<>();
    StringBuilder head = new StringBuilder();
    Thread drain = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          int at = line.indexOf("DevTools listening on ");
          if (at >= 0) {
            url.complete(line.substring(at + "DevTools listening on ".length()).trim());
          } else if (!url.isDone() && head.length() < 8192) {
            head.append(line).append('\n');
          }
        }
      } catch (IOException ignored) {
        // the process went away; the wait below reports it
      }
      url.completeExceptionally(new IOException("chromium exited before DevTools was ready:\n" + head));
    }, "chromium-stderr");
    drain.setDaemon(true);
    drain.start();
    try {
      return url.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("no DevTools URL from chromium within " + START_TIMEOUT + ":\n" + head, e);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting chromium", e);
    }
  }

  /** The browser-level DevTools websocket URL. */
  public String browserWebSocketUrl() {
    return browserWsUrl;
  }

  /** Opens a new blank page target with Runtime, Log and Page domains enabled and problem collection on. */
  public Tab openTab() throws IOException {
    JsonObject created = browser.call("Target.createTarget", new JsonObject().put("url", "about:blank"));
    String targetId = created.getString("targetId");
    // ws://127.0.0.1:PORT/devtools/browser/ID -> ws://127.0.0.1:PORT/devtools/page/TARGET
    String pageUrl = browserWsUrl.substring(0, browserWsUrl.indexOf("/devtools/")) + "/devtools/page/" + targetId;
    Tab tab = new Tab(Cdp.connect(wsClient, pageUrl));
    tabs.add(tab);
    return tab;
  }

  /** Kills Chromium, closes the DevTools connections and deletes the profile directory. Never throws. */
  @Override
  public void close() {
    for (Tab tab : tabs) {
      tab.cdp.close();
    }
    browser.close();
    // Renderer and GPU helpers are children; remember them before the parent goes away.
    List<ProcessHandle> helpers = process.descendants().collect(java.util.stream.Collectors.toList());
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    helpers.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    try {
      wsClient.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort: the process is gone either way
    }
    if (ownsVertx) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // best effort
      }
    }
    deleteRecursively(profileDir);
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // Chromium may still be writing a lock file for a moment; the OS cleans /tmp eventually
        }
      });
    } catch (IOException ignored) {
      // see above
    }
  }

  /** Something the page reported as an error: a console.error, an uncaught exception or a log entry. */
  public record Problem(String kind, String text, String url) {
    @Override
    public String toString() {
      return kind + ": " + text + (url == null || url.isEmpty() ? "" : " (" + url + ")");
    }
  }

  /** One page target. Collects problems from the moment it is opened. */
  public static final class Tab {
    private final Cdp cdp;
    private final List<Problem> problems = new CopyOnWriteArrayList<>();
    private volatile CompletableFuture<Void> loaded = new CompletableFuture<>();

    private Tab(Cdp cdp) throws IOException {
      this.cdp = cdp;
      cdp.onEvent(this::onEvent);
      cdp.call("Runtime.enable", new JsonObject());
      cdp.call("Log.enable", new JsonObject());
      cdp.call("Page.enable", new JsonObject());
    }

    private void onEvent(JsonObject msg) {
      String method = msg.getString("method");
      JsonObject p = msg.getJsonObject("params", new JsonObject());
      switch (method) {
        case "Runtime.consoleAPICalled" -> {
          String type = p.getString("type");
          if ("error".equals(type) || "assert".equals(type)) {
            StringBuilder text = new StringBuilder();
            for (Object arg : p.getJsonArray("args", new JsonArray())) {
              JsonObject a = (JsonObject) arg;
              text.append(text.length() == 0 ? "" : " ")
                  .append(a.getValue("value", a.getString("description", a.getString("type"))));
            }
            problems.add(new Problem("console." + type, text.toString(), null));
          }
        }
        case "Runtime.exceptionThrown" -> {
          JsonObject details = p.getJsonObject("exceptionDetails", new JsonObject());
          JsonObject ex = details.getJsonObject("exception", new JsonObject());
          problems.add(new Problem("exception",
              ex.getString("description", details.getString("text")), details.getString("url")));
        }
        case "Log.entryAdded" -> {
          JsonObject entry = p.getJsonObject("entry", new JsonObject());
          if ("error".equals(entry.getString("level"))) {
            problems.add(new Problem("log." + entry.getString("source"), entry.getString("text"), entry.getString("url")));
          }
        }
        case "Page.loadEventFired" -> loaded.complete(null);
        default -> { }
      }
    }

    /** Everything reported as an error so far (console errors, uncaught exceptions, error log entries). */
    public List<Problem> problems() {
      return List.copyOf(problems);
    }

    /** Emulates a viewport in CSS pixels; {@code mobile} also turns on the mobile meta-viewport handling. */
    public void setViewport(int width, int height, double deviceScaleFactor, boolean mobile) throws IOException {
      cdp.call("Emulation.setDeviceMetricsOverride", new JsonObject()
          .put("width", width).put("height", height)
          .put("deviceScaleFactor", deviceScaleFactor).put("mobile", mobile));
    }

    /** Emulates {@code prefers-color-scheme} ("light" or "dark"); set it before navigating. */
    public void setColorScheme(String scheme) throws IOException {
      cdp.call("Emulation.setEmulatedMedia", new JsonObject().put("features",
          new JsonArray().add(new JsonObject().put("name", "prefers-color-scheme").put("value", scheme))));
    }

    /** Navigates and waits (bounded) for the load event. */
    public void navigate(String url) throws IOException {
      loaded = new CompletableFuture<>();
      JsonObject result = cdp.call("Page.navigate", new JsonObject().put("url", url));
      if (result.getString("errorText") != null) {
        throw new IOException("navigation to " + url + " failed: " + result.getString("errorText"));
      }
      try {
        loaded.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new IOException("no load event for " + url + " within " + COMMAND_TIMEOUT, e);
      }
    }

    /**
     * Evaluates a JavaScript expression (promises awaited) and returns its JSON value: String,
     * Number, Boolean, JsonObject, JsonArray or null.
     */
    public Object evaluate(String expression) throws IOException {
      JsonObject result = cdp.call("Runtime.evaluate", new JsonObject()
          .put("expression", expression).put("returnByValue", true).put("awaitPromise", true));
      JsonObject details = result.getJsonObject("exceptionDetails");
      if (details != null) {
        JsonObject ex = details.getJsonObject("exception", new JsonObject());
        throw new IOException("evaluation failed: " + ex.getString("description", details.getString("text")));
      }
      return result.getJsonObject("result", new JsonObject()).getValue("value");
    }

    /**
     * Polls a boolean expression every 100 ms until it is {@code true} or the bound passes.
     *
     * @return whether it became true in time
     */
    public boolean waitFor(String expression, Duration bound) throws IOException {
      long deadline = System.nanoTime() + bound.toNanos();
      while (true) {
        if (Boolean.TRUE.equals(evaluate("Boolean(" + expression + ")"))) {
          return true;
        }
        if (System.nanoTime() > deadline) {
          return false;
        }
        try {
          Thread.sleep(100); // test thread, not an event loop
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }

    /** Captures the viewport as PNG and writes it to {@code png} (parent directories created). */
    public Path screenshot(Path png) throws IOException {
      return write(png, cdp.call("Page.captureScreenshot", new JsonObject()
          .put("format", "png").put("captureBeyondViewport", false)));
    }

    /** Captures the whole page, not just the viewport, as PNG. */
    public Path fullPageScreenshot(Path png) throws IOException {
      JsonObject size = cdp.call("Page.getLayoutMetrics", new JsonObject()).getJsonObject("cssContentSize");
      JsonObject clip = new JsonObject().put("x", 0).put("y", 0)
          .put("width", size.getDouble("width")).put("height", size.getDouble("height")).put("scale", 1);
      return write(png, cdp.call("Page.captureScreenshot", new JsonObject()
          .put("format", "png").put("captureBeyondViewport", true).put("clip", clip)));
    }

    private static Path write(Path png, JsonObject result) throws IOException {
      byte[] bytes = Base64.getDecoder().decode(result.getString("data"));
      Path parent = png.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.write(png, bytes);
      return png;
    }
  }

  /** One DevTools websocket: numbered calls answered by id, events to a listener. */
  private static final class Cdp {
    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
    private volatile Consumer<JsonObject> eventListener = msg -> { };

    private Cdp(WebSocket socket) {
      this.socket = socket;
      socket.textMessageHandler(this::onMessage);
      socket.closeHandler(v -> pending.values().forEach(p -> p.tryFail("DevTools socket closed")));
    }

    static Cdp connect(WebSocketClient client, String wsUrl) throws IOException {
      // Chromium rejects websocket handshakes that carry an Origin it was not told to allow.
      WebSocketConnectOptions options = new WebSocketConnectOptions()
          .setAbsoluteURI(wsUrl).setAllowOriginHeader(false);
      return new Cdp(block(client.connect(options), "connect to " + wsUrl));
    }

    void onEvent(Consumer<JsonObject> listener) {
      this.eventListener = listener;
    }

    private void onMessage(String text) {
      JsonObject msg = new JsonObject(text);
      Long id = msg.getLong("id");
      if (id == null) {
        eventListener.accept(msg);
        return;
      }
      Promise<JsonObject> promise = pending.remove(id);
      if (promise == null) {
        return;
      }
      JsonObject error = msg.getJsonObject("error");
      if (error != null) {
        promise.tryFail(error.getString("message") + " (" + error.getInteger("code") + ")");
      } else {
        promise.tryComplete(msg.getJsonObject("result", new JsonObject()));
      }
    }

    JsonObject call(String method, JsonObject params) throws IOException {
      long id = ids.incrementAndGet();
      Promise<JsonObject> promise = Promise.promise();
      pending.put(id, promise);
      socket.writeTextMessage(new JsonObject().put("id", id).put("method", method).put("params", params).encode())
          .onFailure(promise::tryFail);
      try {
        return block(promise.future(), method);
      } finally {
        pending.remove(id);
      }
    }

    void close() {
      try {
        block(socket.close(), "close DevTools socket");
      } catch (IOException ignored) {
        // already closed, or Chromium is gone
      }
    }

    private static <T> T block(Future<T> future, String what) throws IOException {
      try {
        return future.toCompletionStage().toCompletableFuture()
            .get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IOException(what + ": no answer within " + COMMAND_TIMEOUT, e);
      } catch (ExecutionException e) {
        throw new IOException(what + ": " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(what + ": interrupted", e);
      }
    }
  }
}
