package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code upstream.engine}: netty by default, vertx on request, one line naming the key otherwise. */
class EngineConfigTest {

  private static VigilConfig load(Map<String, String> env, Map<String, String> overrides) {
    return ConfigLoader.load(null, env, overrides, w -> { });
  }

  @Test
  void nettyByDefaultVertxOnRequestFromEverySource() {
    assertEquals("netty", load(Map.of(), Map.of()).upstream().engine());
    assertEquals("vertx", load(Map.of("VIGIL_UPSTREAM_ENGINE", "vertx"), Map.of()).upstream().engine());
    assertEquals("vertx", load(Map.of(), Map.of("upstream.engine", "Vertx")).upstream().engine());
  }

  @Test
  void anUnknownEngineIsOneLineNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), Map.of("upstream.engine", "okhttp")));
    assertTrue(e.getMessage().contains("upstream.engine = \"okhttp\" (from command line): expected netty or vertx"),
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }
}
