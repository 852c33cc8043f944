package dev.vigil.store.redis;

import io.vertx.redis.client.Response;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * One Redis reply in Vigil's own type, so that no package outside {@code store.redis} depends on
 * the Redis client. A nil reply (or nil element) is a reply whose {@link #isNull()} is true.
 * Immutable; reading it allocates only the wrappers of the elements read.
 */
public final class RedisReply implements Iterable<RedisReply> {

  private static final RedisReply NIL = new RedisReply(null);

  private final Response response;

  private RedisReply(Response response) {
    this.response = response;
  }

  static RedisReply of(Response response) {
    return response == null ? NIL : new RedisReply(response);
  }

  /** True for a nil reply. */
  public boolean isNull() {
    return response == null;
  }

  /** An integer reply (or a bulk string holding one); throws on nil. */
  public long toLong() {
    if (response == null) {
      throw new IllegalStateException("nil Redis reply where a number was expected");
    }
    return response.toLong();
  }

  /** The reply as text, or null for nil. */
  public String text() {
    return response == null ? null : response.toString();
  }

  /** Elements of an array reply; 0 for nil. */
  public int size() {
    return response == null ? 0 : response.size();
  }

  /** Element {@code i} of an array reply (nil elements are nil replies). */
  public RedisReply get(int i) {
    if (response == null) {
      throw new IndexOutOfBoundsException("nil Redis reply has no element " + i);
    }
    return of(response.get(i));
  }

  @Override
  public Iterator<RedisReply> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < size();
      }

      @Override
      public RedisReply next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return get(next++);
      }
    };
  }

  /** The text, or {@code (nil)}. */
  @Override
  public String toString() {
    return response == null ? "(nil)" : response.toString();
  }
}
