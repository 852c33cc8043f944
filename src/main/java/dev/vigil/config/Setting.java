package dev.vigil.config;

/**
 * One configuration key: its dotted name, how its value is read, its default (as written in the
 * YAML file, or {@code null} for "not set") and the bound it must respect.
 */
record Setting(String key, Kind kind, Object defaultValue, double min, double max) {

  /** How a raw value (YAML scalar, environment string, command-line argument) is read. */
  enum Kind {
    STRING("a string"),
    HOST("a host name or IP address"),
    URL("an http:// or https:// URL with a host"),
    REDIS_URL("a redis:// or rediss:// URL with a host"),
    INT("a whole number"),
    BOOL("true or false"),
    DURATION("a duration like 500ms, 5s, 10m or 1h"),
    SIZE("a size like 512KiB or 10MiB"),
    PERCENT("a percentage like 80"),
    FRACTION("a share like 10% or 0.1"),
    DECIMAL("a decimal number like 0.05"),
    ZONE("a time-zone name like UTC or Europe/Berlin"),
    RATE("a rate like 100/s, 6000/m or 50000/h"),
    LIMIT_KEY("ip or header:NAME"),
    PATH_PREFIX("a path that starts and ends with /"),
    PATH("a path that starts with /"),
    JSON_POINTER("a JSON pointer like /stats/rss"),
    MEMORY_UNIT("one of MiB, MB, bytes, KiB"),
    MEMORY_STATE("warning or critical"),
    MEMORY_SOURCE("one of auto, http, process, cgroup"),
    UPSTREAM_ENGINE("netty or vertx"),
    REGEX("a regular expression (Java syntax) matched against a command line"),
    RESTART_POLICY("always, on-failure or never"),
    STRING_LIST("a list of strings"),
    WINDOWS("a list of {from: HH:MM, to: HH:MM, interval: duration}");

    final String expected;

    Kind(String expected) {
      this.expected = expected;
    }
  }

  static Setting of(String key, Kind kind, Object defaultValue) {
    return new Setting(key, kind, defaultValue, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
  }

  static Setting bounded(String key, Kind kind, Object defaultValue, double min, double max) {
    return new Setting(key, kind, defaultValue, min, max);
  }

  /** The environment variable that overrides this key: {@code memory.poll.interval -> VIGIL_MEMORY_POLL_INTERVAL}. */
  String envName() {
    return "VIGIL_" + key.replace('.', '_').toUpperCase(java.util.Locale.ROOT);
  }
}
