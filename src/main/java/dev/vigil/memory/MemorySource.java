package dev.vigil.memory;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Where the app's memory is read from when it is not its HTTP endpoint: the process tree or the
 * cgroup ({@code memory.source}). Implementations live in {@code dev.vigil.memory.source}.
 *
 * <p>{@link #read()} never blocks its caller: file reads run through {@code executeBlocking}. A
 * failed read fails the future with a {@link MemorySourceException} whose message is one plain
 * sentence for the health {@code issues} list.
 */
public interface MemorySource {

  /** Reads the memory now. */
  Future<MemoryReading> read();

  /** {@code process} or {@code cgroup}: what {@code /sidecar/memory} and the health block show as the source. */
  String name();

  /**
   * Adds what this source knows beyond the figures to the {@code /sidecar/memory} document (e.g.
   * the per-process breakdown). Called from any thread; must not block.
   */
  default void addDetails(JsonObject memoryJson) {
  }
}
