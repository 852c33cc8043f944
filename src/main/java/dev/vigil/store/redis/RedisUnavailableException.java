package dev.vigil.store.redis;

/**
 * A command was not sent because the Redis connection is down. Thrown without a stack trace: it
 * is expected, and frequent, while Redis is away.
 */
public final class RedisUnavailableException extends RuntimeException {
  /** @param safeUrl the Redis URL with any password masked */
  public RedisUnavailableException(String safeUrl) {
    super("Redis at " + safeUrl + " is not connected", null, false, false);
  }
}
