package dev.vigil;

import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.DemoApp;
import dev.vigil.demo.DemoChild;
import dev.vigil.launch.Relaunch;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/** Loads and validates configuration, starts the sidecar, and drains it on SIGTERM. */
public final class Main {

  /** Exit code for a bad setting or a bad command line. */
  static final int EXIT_CONFIG = 2;
  static final int EXIT_START_FAILED = 1;

  private Main() {
  }

  public static void main(String[] args) {
    quietNetty();
    if (Relaunch.wanted(args)) { // bare `java -jar`: rerun with the shipped memory flags
      System.exit(Relaunch.run(Main.class.getName(), args));
    }
    int code = run(args, System.getenv(), System.out, System.err);
    if (code >= 0) {
      System.exit(code);
    }
    Relaunch.followLauncher();
  }

  /**
   * Netty 4.2's buffer allocators emit JFR events. Loading the first event class makes the JVM
   * set up JFR's event instrumentation even when no recording runs: about 100 classes and a
   * bytecode rewrite, 0.2-0.5 s of start-up on the critical path (the first proxied request). Off
   * unless {@code -Dio.netty.jfr.enabled=true} asks for the events.
   */
  static void quietNetty() {
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
  }

  /** The child's command for the start-up line, cut at 120 characters (a class path can be long). */
  static String shortCommand(java.util.List<String> command) {
    String s = String.join(" ", command);
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }

  /** Returns an exit code, or -1 when the sidecar is running (it exits from its signal handler). */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("watch")) {
      return dev.vigil.watch.WatchCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err, true);
    }
    Cli cli;
    try {
      cli = Cli.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("vigil: " + e.getMessage());
      return EXIT_CONFIG;
    }
    if (cli.help()) {
      out.print(Cli.USAGE);
      return 0;
    }
    if (cli.version()) {
      out.println("vigil " + Version.get());
      return 0;
    }
    VigilConfig config;
    Map<String, String> overrides = new HashMap<>(cli.overrides());
    if (cli.warmup()) {
      overrides.putIfAbsent("listen.port", "0");
      overrides.putIfAbsent("listen.host", "127.0.0.1");
    }
    boolean runMode = cli.runCommand() != null;
    if (cli.demo()) {
      if (runMode) {
        DemoChild.prepare(overrides);
      } else {
        DemoApp.prepare(overrides);
      }
    }
    try {
      config = runMode
          ? ConfigLoader.loadForRun(cli.configFile(), env, overrides, w -> err.println("vigil: warning: " + w))
          : ConfigLoader.load(cli.configFile(), env, overrides, w -> err.println("vigil: warning: " + w));
    } catch (ConfigException e) {
      e.problems().forEach(p -> err.println("vigil: config error: " + p));
      return EXIT_CONFIG;
    }

    Telemetry telemetry = new Telemetry();
    Sidecar sidecar;
    try {
      sidecar = new Sidecar(config, Clock.systemUTC(), telemetry.registry(), cli.runCommand());
    } catch (ConfigException e) { // a combination only the sidecar can judge, e.g. memory.source without its match
      e.problems().forEach(p -> err.println("vigil: config error: " + p));
      return EXIT_CONFIG;
    }
    Vertx vertx = telemetry.newVertx(Sidecar.eventLoops(), config.metrics().vertxHttpMeters());
    try {
      if (cli.warmup()) {
        DemoApp.start(vertx, config, sidecar, new PrintStream(java.io.OutputStream.nullOutputStream())).await();
        int sent = DemoApp.exercise(vertx, sidecar.proxyPort(), config.admin().prefix()).await();
        sidecar.stop().await();
        vertx.close().await();
        out.println("vigil: warm-up done (" + sent + " requests)");
        return 0;
      } else if (cli.demo() && !runMode) {
        DemoApp.start(vertx, config, sidecar, out).await();
      } else {
        sidecar.start(vertx).await();
        out.println("vigil " + Version.get() + " listening on " + config.listen().host() + ":" + sidecar.proxyPort()
            + ", forwarding to " + config.upstream().url()
            + (runMode ? " (the app: " + shortCommand(cli.runCommand()) + ", pid " + sidecar.app().pid() + ")" : ""));
        if (cli.demo()) {
          DemoChild.printUrls(out, config, sidecar.proxyPort());
        }
        if (runMode && ProcessHandle.current().pid() == 1) {
          // Orphans re-parented to PID 1 stay zombies unless someone waits for them: Vigil does (dev.vigil.app.reap).
          if (sidecar.app().reaping() != null) {
            out.println("vigil: running as PID 1: reaping orphaned processes");
          } else {
            err.println("vigil: warning: running as PID 1 but cannot reap orphaned processes (see the log above);"
                + " start Vigil under an init such as tini (docker run --init, or ENTRYPOINT [\"tini\", \"--\", ...])");
          }
        }
      }
    } catch (Exception e) {
      err.println("vigil: cannot start: " + e.getMessage());
      vertx.close();
      return EXIT_START_FAILED;
    }
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable shutdown = () -> {
      if (!stopping.compareAndSet(false, true)) {
        return;
      }
      out.println("vigil: draining (up to " + config.lifecycle().drainTimeout().toSeconds() + "s)");
      try {
        sidecar.stop().await();
      } catch (Exception e) {
        err.println("vigil: shutdown: " + e.getMessage());
      }
      // Awaited on its own: a future chained on an event-loop context could not complete once
      // Vert.x has stopped that loop.
      vertx.close().await();
      out.println("vigil: stopped");
      out.flush();
      System.exit(0);
    };
    // Handle the signals ourselves: with only a shutdown hook the JVM would exit 143 on SIGTERM.
    Signal.handle(new Signal("TERM"), s -> new Thread(shutdown, "vigil-shutdown").start());
    Signal.handle(new Signal("INT"), s -> new Thread(shutdown, "vigil-shutdown").start());
    return -1;
  }
}
