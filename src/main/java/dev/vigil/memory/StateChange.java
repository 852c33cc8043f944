package dev.vigil.memory;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** A change of memory state, listed in {@code /sidecar/memory} under {@code states}. */
record StateChange(Instant t, MemoryState from, MemoryState to, Double rssMiB, Double percent) {

  JsonObject toJson() {
    return new JsonObject().put("t", t.toString()).put("from", from.label()).put("to", to.label())
        .put("rss_mib", MemoryJson.round(rssMiB)).put("percent", MemoryJson.round(percent));
  }
}
