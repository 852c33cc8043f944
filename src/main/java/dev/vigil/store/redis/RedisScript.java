package dev.vigil.store.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A Lua script run with {@code EVALSHA}, falling back to {@code EVAL} when the server answers
 * {@code NOSCRIPT} (after a restart or {@code SCRIPT FLUSH}). The SHA-1 is computed locally, so no
 * {@code SCRIPT LOAD} round trip is needed before the first call. Immutable and thread-safe.
 */
public final class RedisScript {
  private final String source;
  private final String sha1;

  /** @param source the Lua source; must not be blank */
  public RedisScript(String source) {
    Objects.requireNonNull(source, "source");
    if (source.isBlank()) {
      throw new IllegalArgumentException("Lua script source must not be blank");
    }
    this.source = source;
    this.sha1 = sha1Hex(source);
  }

  /** @return the Lua source */
  public String source() {
    return source;
  }

  /** @return the lower-case hex SHA-1 of the source, as Redis computes it */
  public String sha1() {
    return sha1;
  }

  private static String sha1Hex(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK ships SHA-1", e);
    }
  }
}
