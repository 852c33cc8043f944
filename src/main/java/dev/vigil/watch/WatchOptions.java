package dev.vigil.watch;

import dev.vigil.config.Units;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code watch} command line: {@code URL [URL...] [--interval 30s] [--duration D]
 * [--out FILE.jsonl|.csv] [--fail-on-leak]}. A problem is one {@link IllegalArgumentException}
 * sentence.
 *
 * @param urls       the memory endpoints (a base URL already resolved to {@link #DEFAULT_PATH})
 * @param interval   time between two polls of each app
 * @param duration   how long to watch, or null for "until Ctrl+C"
 * @param out        file for every sample, or null
 * @param failOnLeak exit 1 when a leak is suspected at the end
 */
public record WatchOptions(List<URI> urls, Duration interval, Duration duration, Path out, boolean failOnLeak) {

  /** Where a base URL's memory is read: the contract's default memory endpoint. */
  public static final String DEFAULT_PATH = "/api/memory-status";
  static final Duration MIN_INTERVAL = Duration.ofMillis(10);
  /** More apps than this is not a terminal view any more, and each one holds a history. */
  static final int MAX_URLS = 32;

  static final String USAGE = """
      Usage: java -jar vigil.jar watch URL [URL...] [--interval 30s] [--duration D]
                                       [--out FILE.jsonl|FILE.csv] [--fail-on-leak]

      Watches running apps' memory without a proxy: polls each URL every --interval, prints a
      line per app per sample (time, RSS, trend, projection, state) and a summary at the end
      (after --duration, or on Ctrl+C). A URL without a path is the app's base, read at
      /api/memory-status; any other path is the memory endpoint itself.
        --out FILE        every sample as JSON Lines (.jsonl) or CSV (.csv)
        --fail-on-leak    exit 1 when a leak is suspected (for a CI memory-regression check)
      """;

  static WatchOptions parse(String[] args) {
    List<URI> urls = new ArrayList<>();
    Duration interval = Duration.ofSeconds(30);
    Duration duration = null;
    Path out = null;
    boolean failOnLeak = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        inline = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--interval" -> interval = duration(arg, inline != null ? inline : value(args, ++i, arg));
        case "--duration" -> duration = duration(arg, inline != null ? inline : value(args, ++i, arg));
        case "--out" -> out = outFile(inline != null ? inline : value(args, ++i, arg));
        case "--fail-on-leak" -> failOnLeak = true;
        default -> {
          if (arg.startsWith("-")) {
            throw new IllegalArgumentException("unknown option \"" + args[i] + "\" (see watch --help)");
          }
          urls.add(url(arg));
        }
      }
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("needs at least one URL, e.g. watch http://127.0.0.1:8000");
    }
    if (urls.size() > MAX_URLS) {
      throw new IllegalArgumentException("at most " + MAX_URLS + " URLs, got " + urls.size());
    }
    if (interval.compareTo(MIN_INTERVAL) < 0) {
      throw new IllegalArgumentException("--interval " + Units.formatDuration(interval) + " is too short; allowed 10ms or more");
    }
    if (duration != null && duration.isZero()) {
      throw new IllegalArgumentException("--duration must be more than 0");
    }
    return new WatchOptions(List.copyOf(urls), interval, duration, out, failOnLeak);
  }

  /** A URL without a path (or with {@code /}) is the app's base: its memory is at {@link #DEFAULT_PATH}. */
  static URI url(String text) {
    URI uri;
    try {
      uri = URI.create(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"" + text + "\" is not a URL; expected e.g. http://127.0.0.1:8000");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException("\"" + text + "\" is not an http(s) URL with a host; expected e.g. "
          + "http://127.0.0.1:8000 or https://app.example.com/api/memory-status");
    }
    String path = uri.getRawPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      String base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
      int q = base.indexOf('?');
      return URI.create(q < 0 ? base + DEFAULT_PATH : base.substring(0, q) + DEFAULT_PATH + base.substring(q));
    }
    return uri;
  }

  private static Path outFile(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    if (!lower.endsWith(".jsonl") && !lower.endsWith(".csv")) {
      throw new IllegalArgumentException("--out " + text + ": the name must end in .jsonl (JSON Lines) or .csv");
    }
    return Path.of(text);
  }

  boolean csv() {
    return out != null && out.toString().toLowerCase(Locale.ROOT).endsWith(".csv");
  }

  private static Duration duration(String name, String text) {
    try {
      return Units.parseDuration(text);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new IllegalArgumentException(name + " \"" + text + "\" is not a duration; expected e.g. 500ms, 30s, 10m, 1h");
    }
  }

  private static String value(String[] args, int i, String name) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args[i];
  }
}
