package dev.vigil.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

class RateLimitConfigTest {
  @Test
  void ipKeyIsThePeerAddressNeverAHeader() {
    RateLimitKey key = RateLimitKey.parse("ip");
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Forwarded-For", "1.2.3.4");
    assertEquals("10.0.0.7", key.resolve("10.0.0.7", headers));
  }

  @Test
  void headerKeyUsesTheHeaderOrDash() {
    RateLimitKey key = RateLimitKey.parse("header:X-Api-Key");
    assertEquals("k1", key.resolve("10.0.0.7", MultiMap.caseInsensitiveMultiMap().add("x-api-key", "k1")));
    assertEquals("-", key.resolve("10.0.0.7", MultiMap.caseInsensitiveMultiMap()));
    String huge = "x".repeat(10_000);
    assertEquals(RateLimitKey.MAX_KEY_LENGTH,
        key.resolve("p", MultiMap.caseInsensitiveMultiMap().add("X-Api-Key", huge)).length());
  }

  @Test
  void rejectsUnknownKeySpecs() {
    for (String bad : new String[] {"ipv4", "header:", "header: ", "cookie:a", ""}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> RateLimitKey.parse(bad), bad);
      assertTrue(e.getMessage().contains("ratelimit.key"), e.getMessage());
    }
  }
}
