package dev.vigil.proxy;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Copies headers from one hop to the next without the hop-by-hop ones (RFC 9110 7.6.1): the fixed
 * set below plus every header named in {@code Connection}.
 */
final class HopByHop {

  private static final AsciiString[] FIXED = {
      AsciiString.cached("connection"),
      AsciiString.cached("keep-alive"),
      AsciiString.cached("proxy-connection"),
      AsciiString.cached("proxy-authenticate"),
      AsciiString.cached("proxy-authorization"),
      AsciiString.cached("te"),
      AsciiString.cached("trailer"),
      AsciiString.cached("transfer-encoding"),
      AsciiString.cached("upgrade"),
  };

  /** No extra names to skip. */
  static final AsciiString[] NO_EXTRA = {};

  private HopByHop() {
  }

  static boolean isFixed(CharSequence name) {
    for (AsciiString h : FIXED) {
      if (h.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Copies {@code from} into {@code to}, skipping hop-by-hop headers, headers named in
   * {@code Connection}, and {@code extraSkip} (compared ignoring case).
   */
  static void copy(MultiMap from, MultiMap to, AsciiString... extraSkip) {
    copy(from, to, false, extraSkip);
  }

  /**
   * Like {@link #copy}, for a request: also drops names that read as a framing header once {@code _}
   * becomes {@code -} ({@code Content_Length}), since some app servers (CGI, WSGI) map one to the
   * other and would then frame the body differently from Vigil (nginx: underscores_in_headers off).
   */
  static void copyRequest(MultiMap from, MultiMap to, AsciiString[] extraSkip) {
    copy(from, to, true, extraSkip);
  }

  private static void copy(MultiMap from, MultiMap to, boolean request, AsciiString[] extraSkip) {
    List<String> connection = from.contains(HttpHeaders.CONNECTION) ? from.getAll(HttpHeaders.CONNECTION) : List.of();
    // Names and values as the decoder stored them (AsciiString): iterating as Strings would copy
    // every header twice per hop (about 0.5 KiB per small request).
    Iterator<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> it =
        from instanceof io.netty.handler.codec.http.HttpHeaders h ? h.iteratorCharSequence() : from.iterator();
    while (it.hasNext()) {
      Map.Entry<? extends CharSequence, ? extends CharSequence> e = it.next();
      CharSequence name = e.getKey();
      if (isFixed(name) || namedIn(connection, name) || matches(extraSkip, name)
          || (request && indexOf(name, '_') >= 0 && isFramingAlias(name))) {
        continue;
      }
      to.add(name, e.getValue());
    }
  }

  private static int indexOf(CharSequence s, char c) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  /** True for {@code content_length} or {@code transfer_encoding} in any case, with {@code _} for {@code -}. */
  static boolean isFramingAlias(CharSequence name) {
    return sameWithUnderscores(name, "content-length") || sameWithUnderscores(name, "transfer-encoding");
  }

  private static boolean sameWithUnderscores(CharSequence name, String framing) {
    if (name.length() != framing.length()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      char f = framing.charAt(i);
      if (c == '_' ? f != '-' : Character.toLowerCase(c) != f) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(AsciiString[] names, CharSequence name) {
    for (AsciiString n : names) {
      if (n.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code name} appears as a token in any {@code Connection} header value. */
  static boolean namedIn(List<String> connectionValues, CharSequence name) {
    for (int v = 0; v < connectionValues.size(); v++) {
      if (namedIn(connectionValues.get(v), name)) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code name} appears as a token in one {@code Connection} header value. */
  static boolean namedIn(String value, CharSequence name) {
    int start = 0;
    int len = value.length();
    while (start < len) {
      int comma = value.indexOf(',', start);
      int end = comma < 0 ? len : comma;
      int s = start;
      int e = end;
      while (s < e && value.charAt(s) <= ' ') {
        s++;
      }
      while (e > s && value.charAt(e - 1) <= ' ') {
        e--;
      }
      if (e - s == name.length() && AsciiString.regionMatches(value, true, s, name, 0, name.length())) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }
}
