package dev.vigil;

import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.DemoApp;
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
    if (Relaunch.wanted(args)) { // bare `java -jar`: rerun with the shipped memory flags
      System.exit(Relaunch.run(Main.class.getName(), args));
    }
    int code = run(args, System.getenv(), System.out, System.err);
    if (code >= 0) {
      System.exit(code);
    }
    Relaunch.followLauncher();
  }

  /** Returns an exit code, or -1 when the sidecar is running (it exits from its signal handler). */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
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
    if (cli.demo()) {
      DemoApp.prepare(overrides);
    }
    try {
      config = ConfigLoader.load(cli.configFile(), env, overrides, w -> err.println("vigil: warning: " + w));
    } catch (ConfigException e) {
      e.problems().forEach(p -> err.println("vigil: config error: " + p));
      return EXIT_CONFIG;
    }

    Telemetry telemetry = new Telemetry();
    Vertx vertx = telemetry.newVertx(Sidecar.eventLoops(), config.metrics().vertxHttpMeters());
    Sidecar sidecar = new Sidecar(config, Clock.systemUTC(), telemetry.registry());
    try {
      if (cli.warmup()) {
        DemoApp.start(vertx, config, sidecar, new PrintStream(java.io.OutputStream.nullOutputStream())).await();
        int sent = DemoApp.exercise(vertx, sidecar.proxyPort(), config.admin().prefix()).await();
        sidecar.stop().await();
        vertx.close().await();
        out.println("vigil: warm-up done (" + sent + " requests)");
        return 0;
      } else if (cli.demo()) {
        DemoApp.start(vertx, config, sidecar, out).await();
      } else {
        sidecar.start(vertx).await();
        out.println("vigil " + Version.get() + " listening on " + config.listen().host() + ":" + sidecar.proxyPort()
            + ", forwarding to " + config.upstream().url());
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
