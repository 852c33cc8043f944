package dev.vigil.store.redis;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Memory samples kept in Redis so the trend survives a sidecar restart: a list under
 * {@code keyPrefix + "memory:" + name}, capped at {@code capacity} (oldest dropped first) by the
 * same atomic script that appends. Use a name per monitored application process (for replicas that
 * each watch their own app, {@code appName + ":" + instance}), or their samples interleave.
 * Thread-safe.
 */
public final class MemoryHistoryStore {
  static final RedisScript APPEND_CAPPED = new RedisScript(String.join("\n",
      "redis.call('RPUSH', KEYS[1], ARGV[1])",
      "redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)",
      "return 1"));

  /** One stored sample. */
  public record Sample(long epochMillis, double rssMiB) {
  }

  private final RedisStore store;
  private final String key;
  private final int capacity;
  private final String capacityArg;

  /**
   * @param store the shared store
   * @param appName the history's name (see the class comment)
   * @param capacity samples kept ({@code memory.history}, default 720), at least 1
   */
  public MemoryHistoryStore(RedisStore store, String appName, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("memory.history must be at least 1, got " + capacity);
    }
    this.store = Objects.requireNonNull(store, "store");
    this.key = store.key("memory:" + Objects.requireNonNull(appName, "appName"));
    this.capacity = capacity;
    this.capacityArg = Integer.toString(capacity);
  }

  /** Appends one sample and trims the list to capacity, atomically. Fails when Redis does. */
  public Future<Void> append(Instant t, double rssMiB) {
    String value = t.toEpochMilli() + " " + rssMiB;
    return store.eval(APPEND_CAPPED, List.of(key), List.of(value, capacityArg)).mapEmpty();
  }

  /**
   * @return at most capacity samples, oldest first; entries that do not parse are skipped. Fails
   *     when Redis does.
   */
  public Future<List<Sample>> load() {
    return store.send("LRANGE", key, Integer.toString(-capacity), "-1")
        .map(MemoryHistoryStore::parse);
  }

  private static List<Sample> parse(RedisReply reply) {
    if (reply.isNull()) {
      return List.of();
    }
    List<Sample> samples = new ArrayList<>(reply.size());
    for (RedisReply entry : reply) {
      String text = entry.text();
      int space = text == null ? -1 : text.indexOf(' ');
      if (text == null || space <= 0) {
        continue;
      }
      try {
        samples.add(new Sample(Long.parseLong(text.substring(0, space)),
            Double.parseDouble(text.substring(space + 1))));
      } catch (NumberFormatException ignored) {
        // Written by something else under our key: skip it rather than lose the whole history.
      }
    }
    return samples;
  }
}
