package dev.vigil.ratelimit;

import io.vertx.core.MultiMap;
import java.util.Objects;

/**
 * Which client a request counts against ({@code ratelimit.key}): {@code ip} is the TCP peer
 * address (never a forwarded header, which any client can forge), {@code header:NAME} is the
 * value of that request header, or {@code -} when the header is missing. Immutable.
 */
public final class RateLimitKey {
  /** Keys longer than this are cut, so a 16 KiB header cannot become a 16 KiB map or Redis key. */
  public static final int MAX_KEY_LENGTH = 128;
  /** The key of requests without the configured header. */
  public static final String MISSING = "-";

  private final String headerName;

  private RateLimitKey(String headerName) {
    this.headerName = headerName;
  }

  /**
   * @param spec {@code ip} or {@code header:NAME}
   * @throws IllegalArgumentException naming the value and the allowed forms
   */
  public static RateLimitKey parse(String spec) {
    if ("ip".equals(spec)) {
      return new RateLimitKey(null);
    }
    if (spec != null && spec.startsWith("header:") && !spec.substring(7).isBlank()) {
      return new RateLimitKey(spec.substring(7).trim());
    }
    throw new IllegalArgumentException("ratelimit.key: invalid value '" + spec
        + "'; expected ip or header:NAME");
  }

  /**
   * @param peerAddress the TCP peer address as the integrator read it from the connection
   * @param headers the request headers
   * @return the key, at most {@link #MAX_KEY_LENGTH} characters
   */
  public String resolve(String peerAddress, MultiMap headers) {
    String value = headerName == null ? peerAddress : headers.get(headerName);
    if (value == null || value.isEmpty()) {
      return MISSING;
    }
    return value.length() > MAX_KEY_LENGTH ? value.substring(0, MAX_KEY_LENGTH) : value;
  }

  /** @return true for {@code ip} */
  public boolean byPeerAddress() {
    return headerName == null;
  }

  @Override
  public String toString() {
    return headerName == null ? "ip" : "header:" + headerName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RateLimitKey other && Objects.equals(headerName, other.headerName);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(headerName);
  }
}
