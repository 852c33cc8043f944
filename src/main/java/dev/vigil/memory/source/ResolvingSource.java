package dev.vigil.memory.source;

import dev.vigil.memory.MemoryReading;
import dev.vigil.memory.MemorySource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;

/**
 * A source chosen on its first successful read, because choosing reads files ({@code auto}: does the
 * app's cgroup have a limit?) and needs the app to run. The choice runs on a worker thread; until
 * it succeeds each read tries again, and its failure is the read's failure. Once made, it stays.
 */
final class ResolvingSource implements MemorySource {

  /** The chosen source and, in plain words, why. */
  record Choice(MemorySource source, String reason) {
  }

  private final Vertx vertx;
  private final String setting;
  private final Callable<Choice> choose;
  private volatile Choice choice;

  /**
   * @param setting  {@code memory.source} as configured, shown until the choice is made
   * @param choose   blocking; throws {@code MemorySourceException} with a sentence when it cannot choose yet
   */
  ResolvingSource(Vertx vertx, String setting, Callable<Choice> choose) {
    this.vertx = vertx;
    this.setting = setting;
    this.choose = choose;
  }

  @Override
  public Future<MemoryReading> read() {
    Choice c = choice;
    if (c != null) {
      return c.source().read();
    }
    return vertx.executeBlocking(choose, false).compose(made -> {
      choice = made;
      return made.source().read();
    });
  }

  @Override
  public String name() {
    Choice c = choice;
    return c == null ? setting : c.source().name();
  }

  /** The chosen source's details plus {@code source_setting} and {@code source_reason}. */
  @Override
  public void addDetails(JsonObject memoryJson) {
    Choice c = choice;
    memoryJson.put("source_setting", setting).put("source_reason", c == null ? null : c.reason());
    if (c != null) {
      c.source().addDetails(memoryJson);
    }
  }
}
