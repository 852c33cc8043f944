package dev.vigil.memory;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;
import java.util.List;
import java.util.Locale;

/**
 * Turns one answer of the memory endpoint into a {@link MemoryReading}. Pure and thread-safe.
 *
 * <p>Understood without configuration: JSON with one of {@link #RSS_FIELDS} (first match wins) and
 * an optional system total in {@code system.total_gb} / {@code system.total_mb}; Prometheus text
 * with {@code process_resident_memory_bytes}. With a configured JSON pointer only that field is
 * read, in the configured unit (or the unit its name implies). Anything else fails with a
 * {@link MemorySourceException} whose message names the URL and what was expected.
 */
final class MemoryParser {

  /** Auto-detected JSON paths, in order of preference; the unit follows from the name. */
  static final List<String> RSS_FIELDS = List.of(
      "process.rss_mb", "memory.rss_mb", "rss_mb", "memory_mb", "rss_bytes", "process.rss_bytes", "memory.rss");
  static final List<String> LIMIT_FIELDS = List.of("system.total_gb", "system.total_mb");
  static final String PROMETHEUS_METRIC = "process_resident_memory_bytes";
  static final String EXPECTED = "expected JSON with rss_mb (or similar) or Prometheus " + PROMETHEUS_METRIC;

  private final String url;
  private final JsonPointer pointer;
  private final String pointerText;
  private final RssUnit pointerUnit;

  MemoryParser(String url, String rssPointer, String rssUnit) {
    this.url = url;
    this.pointerText = rssPointer;
    this.pointer = rssPointer == null ? null : JsonPointer.from(rssPointer);
    if (rssUnit != null) {
      this.pointerUnit = RssUnit.parse(rssUnit);
    } else if (rssPointer != null) {
      this.pointerUnit = RssUnit.fromFieldName(rssPointer.substring(rssPointer.lastIndexOf('/') + 1));
    } else {
      this.pointerUnit = null;
    }
  }

  /** Parses a 2xx answer; {@code contentType} may be null. */
  MemoryReading parse(String contentType, String body) {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    String trimmed = body == null ? "" : body.strip();
    if (trimmed.isEmpty()) {
      throw fail("answered an empty body; " + expected());
    }
    if (type.contains("html") || trimmed.startsWith("<")) {
      throw fail("answered " + (type.contains("html") ? mediaType(type) : "HTML/XML") + "; " + expected());
    }
    if (trimmed.startsWith("{") || type.contains("json")) {
      return parseJson(trimmed);
    }
    if (pointer == null && trimmed.contains(PROMETHEUS_METRIC)) {
      return parsePrometheus(trimmed);
    }
    String what = type.isEmpty() ? "an unrecognised body" : mediaType(type);
    throw fail("answered " + what + " starting '" + snippet(trimmed) + "'; " + expected());
  }

  private MemoryReading parseJson(String body) {
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw fail("answered invalid JSON starting '" + snippet(body) + "'; " + expected());
    }
    Double limit = reportedLimit(json);
    if (pointer != null) {
      Object v = pointer.queryJson(json);
      if (v == null) {
        throw fail("answered JSON without " + pointerText + " (memory.poll.rssPointer); top-level keys: " + keys(json));
      }
      return new MemoryReading(positive(pointerText, number(pointerText, v), pointerUnit), limit,
          "json:" + pointerText + " (" + pointerUnit.label() + ")");
    }
    for (String path : RSS_FIELDS) {
      Object v = lookup(json, path);
      if (v != null) {
        String field = path.substring(path.lastIndexOf('.') + 1);
        return new MemoryReading(positive(path, number(path, v), RssUnit.fromFieldName(field)), limit, "json:" + path);
      }
    }
    throw fail("answered JSON without a known memory field (top-level keys: " + keys(json) + "); expected one of "
        + String.join(", ", RSS_FIELDS) + ", or set memory.poll.rssPointer");
  }

  private Double reportedLimit(JsonObject json) {
    for (String path : LIMIT_FIELDS) {
      Object v = lookup(json, path);
      if (v != null) {
        double d = number(path, v);
        if (Double.isFinite(d) && d > 0) {
          return RssUnit.fromFieldName(path).toMiB(d);
        }
      }
    }
    return null;
  }

  /**
   * Reads the first finite sample of {@code process_resident_memory_bytes}. Lines are
   * {@code name[{labels}] value [timestamp]}; label values may hold spaces or braces inside quotes.
   */
  private MemoryReading parsePrometheus(String body) {
    for (String line : body.split("\n")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#") || !l.startsWith(PROMETHEUS_METRIC)) {
        continue;
      }
      int i = PROMETHEUS_METRIC.length();
      if (i < l.length() && l.charAt(i) != '{' && !Character.isWhitespace(l.charAt(i))) {
        continue; // another metric with this prefix, e.g. ..._bytes_max
      }
      if (i < l.length() && l.charAt(i) == '{') {
        i = endOfLabels(l, i);
        if (i < 0) {
          continue;
        }
      }
      String[] rest = l.substring(i).strip().split("\\s+");
      double v = parsePromValue(rest[0]);
      if (Double.isFinite(v) && v > 0) {
        return new MemoryReading(RssUnit.BYTES.toMiB(v), null, "prometheus");
      }
    }
    throw fail("answered Prometheus text without a positive " + PROMETHEUS_METRIC + " sample; " + expected());
  }

  private static int endOfLabels(String line, int open) {
    boolean quoted = false;
    for (int i = open + 1; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted && c == '\\') {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && c == '}') {
        return i + 1;
      }
    }
    return -1;
  }

  private static double parsePromValue(String token) {
    try {
      return Double.parseDouble(token);
    } catch (NumberFormatException e) {
      return Double.NaN; // +Inf, -Inf and junk are not a resident size
    }
  }

  private static Object lookup(JsonObject json, String dottedPath) {
    Object cur = json;
    for (String part : dottedPath.split("\\.")) {
      if (!(cur instanceof JsonObject)) {
        return null;
      }
      cur = ((JsonObject) cur).getValue(part);
    }
    return cur;
  }

  private double number(String field, Object v) {
    if (v instanceof Number) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof String) {
      try {
        return Double.parseDouble(((String) v).strip());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw fail("answered " + field + " = " + abbreviate(String.valueOf(v)) + ", which is not a number; " + expected());
  }

  private double positive(String field, double value, RssUnit unit) {
    if (!Double.isFinite(value) || value <= 0) {
      throw fail("answered " + field + " = " + value + ", which is not a plausible resident size; " + expected());
    }
    return unit.toMiB(value);
  }

  private String expected() {
    return pointer == null ? EXPECTED : "expected JSON with a number at " + pointerText + " (memory.poll.rssPointer)";
  }

  private MemorySourceException fail(String what) {
    return new MemorySourceException("memory endpoint " + url + " " + what);
  }

  private static String keys(JsonObject json) {
    List<String> names = List.copyOf(json.fieldNames());
    if (names.isEmpty()) {
      return "none";
    }
    String joined = String.join(", ", names.subList(0, Math.min(names.size(), 8)));
    return names.size() > 8 ? joined + ", ..." : joined;
  }

  private static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
  }

  private static String snippet(String body) {
    return abbreviate(body.replaceAll("\\s+", " "));
  }

  private static String abbreviate(String s) {
    String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
    return clean.length() <= 40 ? clean : clean.substring(0, 40) + "...";
  }
}
