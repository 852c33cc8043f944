package dev.vigil.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

class RateLimitConfigTest {
  @Test
  void parsesRatesPerSecondMinuteAndHour() {
    assertEquals(100.0, Rate.parsePerSecond("100/s"));
    assertEquals(100.0, Rate.parsePerSecond("6000/m"));
    assertEquals(0.5, Rate.parsePerSecond("1800/h"));
    assertEquals(2.5, Rate.parsePerSecond(" 2.5/s "));
  }

  @Test
  void rejectsBadRatesWithAClearMessage() {
    for (String bad : new String[] {"100", "/s", "0/s", "-5/s", "100/d", "abc/s", "100/sec", ""}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Rate.parsePerSecond(bad), bad);
      assertTrue(e.getMessage().contains("ratelimit.rate") && e.getMessage().contains("100/s"),
          e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Rate.parsePerSecond(null));
  }

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
