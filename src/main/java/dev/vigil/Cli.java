package dev.vigil;

import java.nio.file.Files;
import java.nio.file.Path;
import dev.vigil.demo.DemoChild;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line: {@code [demo [--run]] [--config FILE] [--upstream URL] [--port N] [--help] [--version]}, or
 * {@code run [options] -- COMMAND ARGS...}. {@code runCommand} is null unless {@code run} (or {@code demo --run}).
 */
record Cli(boolean help, boolean version, boolean demo, boolean warmup, Path configFile, Map<String, String> overrides,
           List<String> runCommand) {

  static final String USAGE = """
      Usage: java -jar vigil.jar [demo [--run]] [options]
             java -jar vigil.jar run [options] -- COMMAND ARGS...

      Vigil is a sidecar proxy that keeps a leaky web app observable and alive.

        run ... -- COMMAND   start COMMAND as a child process, proxy to it and keep it alive:
                             restart it when it dies, holding requests meanwhile (app.* settings).
                             It gets its port in PORT and in every {port} of its arguments.
        demo                 start a built-in demo app (with a slowly leaking memory endpoint)
                             behind the sidecar and print the URLs to open
        demo --run           the demo app as a child process that really leaks and is restarted
        warmup               run the demo briefly, send requests through it and exit; used to
                             record a class-data-sharing archive (-XX:ArchiveClassesAtExit)
        watch URL...         no proxy: watch running apps' memory (see watch --help)
        --config FILE        YAML configuration (default: config/vigil.yaml when present)
        --upstream URL       the application, e.g. http://127.0.0.1:8000 (upstream.url)
        --port N             proxy listener port (listen.port)
        --set KEY=VALUE      any other setting, e.g. --set memory.poll.interval=10s
        --help               this text
        --version            the version

      Every setting can also come from the environment: VIGIL_ + the YAML path in upper case
      with _ between parts (upstream.url -> VIGIL_UPSTREAM_URL).
      Precedence: defaults < file < environment < command line.
      A bad setting stops start-up with exit code 2 and a line naming the key.
      """;

  /** Parses {@code args}; a usage problem is reported as an {@link IllegalArgumentException}. */
  static Cli parse(String[] args) {
    boolean help = false;
    boolean version = false;
    boolean demo = false;
    boolean warmup = false;
    boolean run = false;
    boolean demoRun = false;
    List<String> command = null;
    Path config = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (run && args[i].equals("--")) {
        command = List.of(args).subList(i + 1, args.length);
        break;
      }
      String arg = args[i];
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        inline = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--help", "-h" -> help = true;
        case "--version", "-V" -> version = true;
        case "demo", "warmup" -> {
          if (i != 0) {
            throw new IllegalArgumentException("'" + arg + "' must come first");
          }
          demo = true;
          warmup = arg.equals("warmup");
        }
        case "run" -> {
          if (i != 0) {
            throw new IllegalArgumentException("'run' must come first");
          }
          run = true;
        }
        case "--run" -> {
          if (!demo || warmup) {
            throw new IllegalArgumentException("--run goes with demo (for your own app: run [options] -- COMMAND)");
          }
          demoRun = true;
        }
        case "--config", "-c" -> {
          String v = inline != null ? inline : value(args, ++i, arg);
          config = Path.of(v);
        }
        case "--upstream" -> overrides.put("upstream.url", inline != null ? inline : value(args, ++i, arg));
        case "--port" -> overrides.put("listen.port", inline != null ? inline : value(args, ++i, arg));
        case "--set" -> {
          String kv = inline != null ? inline : value(args, ++i, arg);
          int at = kv.indexOf('=');
          if (at <= 0) {
            throw new IllegalArgumentException("--set expects KEY=VALUE, got \"" + kv + "\"");
          }
          overrides.put(kv.substring(0, at).trim(), kv.substring(at + 1));
        }
        default -> throw new IllegalArgumentException("unknown argument \"" + args[i] + "\" (see --help)");
      }
    }
    if (run && !help && !version && (command == null || command.isEmpty())) {
      throw new IllegalArgumentException("run: give the app's command after --, e.g. run -- gunicorn -b 127.0.0.1:{port} app:app");
    }
    if (demoRun) {
      command = DemoChild.command();
    }
    if (inlineConflict(config)) {
      throw new IllegalArgumentException("--config " + config + ": no such file");
    }
    if (config == null && !demo && Files.isRegularFile(Path.of("config", "vigil.yaml"))) {
      config = Path.of("config", "vigil.yaml");
    }
    return new Cli(help, version, demo, warmup, config, overrides, command == null ? null : List.copyOf(command));
  }

  private static boolean inlineConflict(Path config) {
    return config != null && !Files.isRegularFile(config);
  }

  private static String value(String[] args, int i, String name) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args[i];
  }
}
