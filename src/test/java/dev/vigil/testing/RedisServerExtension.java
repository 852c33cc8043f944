package dev.vigil.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link RedisServerProcess} for every test, stopped after it:
 *
 * <pre>{@code
 * @RegisterExtension
 * final RedisServerExtension redis = new RedisServerExtension();
 *
 * @Test
 * void something(Vertx vertx) { ... redis.server().url() ... }
 * }</pre>
 *
 * The server starts before any {@code @BeforeEach} method and stops after every {@code @AfterEach}
 * method, so tests stop their sidecars and Vert.x first and never see Redis vanish while tearing
 * down.
 */
public final class RedisServerExtension implements BeforeEachCallback, AfterEachCallback {

  private final String[] extraArgs;
  private RedisServerProcess server;

  /** @param extraArgs more redis-server options, e.g. {@code "--requirepass", "secret"} */
  public RedisServerExtension(String... extraArgs) {
    this.extraArgs = extraArgs.clone();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    server = RedisServerProcess.start(extraArgs);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  /** The running server of the current test. */
  public RedisServerProcess server() {
    if (server == null) {
      throw new IllegalStateException("no redis-server: call server() from a test or @BeforeEach method");
    }
    return server;
  }
}
