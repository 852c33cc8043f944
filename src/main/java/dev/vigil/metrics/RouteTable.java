package dev.vigil.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns request paths into route labels of bounded cardinality. A route is the path with id-like
 * segments (numbers, UUIDs, long hex, long opaque tokens) replaced by {@code {id}}, or the text of
 * the first configured pattern that matches. At most {@code maxRoutes} distinct routes get an id
 * of their own; every later one is counted as {@code other} (id 0). A flood of unique paths
 * therefore leaves the label set, and the heap, flat.
 */
public final class RouteTable {

  /** The id every route beyond the bound shares. */
  public static final int OTHER = 0;
  public static final String OTHER_LABEL = "other";
  static final String ID = "{id}";

  private final int maxRoutes;
  private final List<RoutePattern> patterns;
  private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<String> labels = new CopyOnWriteArrayList<>(List.of(OTHER_LABEL));

  public RouteTable(int maxRoutes, List<String> patterns) {
    if (maxRoutes < 1) {
      throw new IllegalArgumentException("metrics.maxRoutes must be at least 1, got " + maxRoutes);
    }
    this.maxRoutes = maxRoutes;
    List<RoutePattern> parsed = new ArrayList<>();
    for (String p : patterns) {
      parsed.add(RoutePattern.parse(p));
    }
    this.patterns = List.copyOf(parsed);
  }

  /** The route id of {@code path} (query string excluded), registering the route when there is room. */
  public int idOf(String path) {
    String route = normalize(path);
    Integer id = ids.get(route);
    if (id != null) {
      return id;
    }
    if (ids.size() >= maxRoutes) {
      return OTHER;
    }
    synchronized (labels) { // rare: only when a new route appears, never on a repeat
      id = ids.get(route);
      if (id == null) {
        if (ids.size() >= maxRoutes) {
          return OTHER;
        }
        id = labels.size();
        labels.add(route);
        ids.put(route, id);
      }
      return id;
    }
  }

  public String label(int id) {
    return labels.get(id);
  }

  /** Distinct labels handed out so far, {@code other} included (at most maxRoutes + 1). */
  public int size() {
    return labels.size();
  }

  public int maxRoutes() {
    return maxRoutes;
  }

  /** The route for {@code path}: the first matching pattern, else the path with ids replaced. */
  public String normalize(String path) {
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    if (path.isEmpty()) {
      return "/";
    }
    for (RoutePattern p : patterns) {
      if (p.matches(path)) {
        return p.text();
      }
    }
    StringBuilder out = null;
    int start = 0;
    int n = path.length();
    while (start <= n) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? n : slash;
      if (end > start && isId(path, start, end)) {
        if (out == null) {
          out = new StringBuilder(n).append(path, 0, start);
        }
        out.append(ID);
      } else if (out != null) {
        out.append(path, start, end);
      }
      if (slash < 0) {
        break;
      }
      if (out != null) {
        out.append('/');
      }
      start = slash + 1;
    }
    return out == null ? path : out.toString();
  }

  /** Numbers, UUIDs, hex of 8+ characters with a digit, and opaque tokens of 20+ mixing letters and digits. */
  static boolean isId(String s, int from, int to) {
    int len = to - from;
    boolean digits = true;
    boolean hex = true;
    boolean hasDigit = false;
    boolean hasLetter = false;
    boolean token = true;
    int dashes = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      boolean d = c >= '0' && c <= '9';
      boolean h = d || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      boolean l = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      hasDigit |= d;
      hasLetter |= l;
      digits &= d;
      if (c == '-') {
        dashes++;
      } else {
        hex &= h;
      }
      token &= d || l || c == '-' || c == '_' || c == '.' || c == '~' || c == '=';
    }
    if (digits) {
      return true;
    }
    if (hex && dashes == 4 && len == 36) {
      return true; // UUID
    }
    if (hex && dashes == 0 && len >= 8 && hasDigit) {
      return true;
    }
    return token && len >= 20 && hasDigit && hasLetter;
  }

  /** {@code /users/{name}/avatar}: {@code {x}} matches one segment; a trailing {@code /**} matches the rest. */
  record RoutePattern(String text, String[] segments, boolean rest) {

    static RoutePattern parse(String text) {
      if (!text.startsWith("/")) {
        throw new IllegalArgumentException("metrics.routePatterns: \"" + text + "\" must start with /");
      }
      boolean rest = text.endsWith("/**");
      String body = rest ? text.substring(0, text.length() - 3) : text;
      String[] segments = body.isEmpty() ? new String[0] : body.substring(1).split("/", -1);
      return new RoutePattern(text, segments, rest);
    }

    boolean matches(String path) {
      int pos = 1;
      for (String seg : segments) {
        if (pos > path.length()) {
          return false;
        }
        int slash = path.indexOf('/', pos);
        int end = slash < 0 ? path.length() : slash;
        boolean wildcard = seg.length() > 1 && seg.charAt(0) == '{' && seg.charAt(seg.length() - 1) == '}';
        if (wildcard ? end == pos : !path.regionMatches(pos, seg, 0, seg.length()) || end - pos != seg.length()) {
          return false;
        }
        pos = end + 1;
      }
      if (rest) {
        return pos - 1 <= path.length();
      }
      return pos - 1 == path.length();
    }
  }
}
