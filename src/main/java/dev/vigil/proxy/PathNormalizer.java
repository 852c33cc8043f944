package dev.vigil.proxy;

/**
 * Normalizes request paths so that {@code /sidecar/../x}, {@code //sidecar/}, {@code /%73idecar/}
 * and {@code /sidecar%2Fhealth} are all seen for what they are. Two forms exist:
 * <ul>
 *   <li>the <em>matching</em> form decodes percent-escapes (once), treats {@code \} as {@code /},
 *   drops {@code ;parameters}, merges slashes and resolves dot segments; it decides whether a
 *   request belongs to the admin prefix;</li>
 *   <li>the <em>forwarding</em> form only merges slashes and resolves dot segments, keeping the
 *   escapes the client sent, so that the app sees the same path Vigil routed.</li>
 * </ul>
 */
public final class PathNormalizer {

  private PathNormalizer() {
  }

  /** The matching form, or null when the path holds a broken percent-escape. */
  public static String forMatching(String raw) {
    if (isPlain(raw)) {
      return raw;
    }
    StringBuilder decoded = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return null;
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        c = (char) (hi << 4 | lo);
        i += 2;
      }
      decoded.append(c == '\\' ? '/' : c);
    }
    return resolve(stripParameters(decoded.toString()));
  }

  /** The forwarding form: merged slashes and resolved dot segments, escapes untouched. */
  public static String forForwarding(String raw) {
    if (raw.isEmpty() || raw.charAt(0) != '/' || (raw.indexOf("//") < 0 && raw.indexOf("/.") < 0)) {
      return raw;
    }
    return resolve(raw);
  }

  /** True when {@code path} (matching form) is the prefix itself or lies under it, ignoring case. */
  public static boolean isUnder(String path, String prefix) {
    int bare = prefix.length() - 1; // prefix always ends with '/'
    if (path.length() == bare) {
      return path.regionMatches(true, 0, prefix, 0, bare);
    }
    return path.regionMatches(true, 0, prefix, 0, prefix.length());
  }

  private static boolean isPlain(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' || c == '\\' || c == ';') {
        return false;
      }
      if (c == '/' && i + 1 < raw.length() && (raw.charAt(i + 1) == '/' || raw.charAt(i + 1) == '.')) {
        return false;
      }
    }
    return !raw.isEmpty() && raw.charAt(0) == '/';
  }

  private static String stripParameters(String path) {
    if (path.indexOf(';') < 0) {
      return path;
    }
    StringBuilder sb = new StringBuilder(path.length());
    boolean skipping = false;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == ';') {
        skipping = true;
      } else if (c == '/') {
        skipping = false;
        sb.append(c);
      } else if (!skipping) {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Merges slashes and resolves {@code .} and {@code ..} segments (RFC 3986 5.2.4); never climbs above the root. */
  static String resolve(String path) {
    String[] segments = path.split("/", -1);
    String[] out = new String[segments.length];
    int n = 0;
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (s.isEmpty() && !last) {
        continue;
      }
      if (s.equals(".")) {
        if (last) {
          out[n++] = "";
        }
        continue;
      }
      if (s.equals("..")) {
        if (n > 0) {
          n--;
        }
        if (last) {
          out[n++] = "";
        }
        continue;
      }
      out[n++] = s;
    }
    StringBuilder sb = new StringBuilder(path.length());
    for (int i = 0; i < n; i++) {
      sb.append('/').append(out[i]);
    }
    return sb.length() == 0 ? "/" : sb.toString();
  }
}
