package dev.vigil.proxy;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** {@code X-Request-Id}: the client's when well formed, otherwise a fresh 128-bit random id. */
final class RequestIds {

  static final CharSequence HEADER = HttpHeaders.createOptimized("x-request-id");
  private static final int MAX_LENGTH = 128;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private RequestIds() {
  }

  static String of(HttpServerRequest request) {
    String sent = request.getHeader(HEADER);
    return sent != null && wellFormed(sent) ? sent : generate();
  }

  /** Letters, digits and {@code - _ . : + / =} only, 1 to 128 of them: safe to log and to echo. */
  static boolean wellFormed(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** 32 hex digits; built as Latin-1 bytes, the String's own form (a char[] would be one more copy). */
  static String generate() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = r.nextLong();
    long lo = r.nextLong();
    byte[] out = new byte[32];
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }
}
