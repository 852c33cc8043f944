package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateTest {
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
}
