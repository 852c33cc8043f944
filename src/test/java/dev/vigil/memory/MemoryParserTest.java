package dev.vigil.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemoryParserTest {

  private static final String URL = "http://app/api/memory-status";
  private final MemoryParser auto = new MemoryParser(URL, null, null);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"process\":{\"rss_mb\":123.5},\"system\":{\"total_gb\":2}}   | 123.5     | 2048   | json:process.rss_mb",
      "{\"memory\":{\"rss_mb\":64}}                                   | 64        |        | json:memory.rss_mb",
      "{\"rss_mb\":\"10.25\",\"system\":{\"total_mb\":512}}           | 10.25     | 512    | json:rss_mb",
      "{\"memory_mb\":300}                                            | 300       |        | json:memory_mb",
      "{\"rss_bytes\":104857600}                                      | 100       |        | json:rss_bytes",
      "{\"process\":{\"rss_bytes\":52428800}}                         | 50        |        | json:process.rss_bytes",
      "{\"memory\":{\"rss\":1073741824,\"vms\":1}}                    | 1024      |        | json:memory.rss",
  })
  void everyJsonShape(String body, double mib, Double limit, String source) {
    MemoryReading r = auto.parse("application/json", body);
    assertEquals(mib, r.rssMiB(), 1e-9);
    if (limit == null) {
      assertNull(r.limitMiB());
    } else {
      assertEquals(limit, r.limitMiB(), 1e-9);
    }
    assertEquals(source, r.source());
  }

  @Test
  void firstKnownFieldWins() {
    MemoryReading r = auto.parse(null, "{\"rss_bytes\":1048576,\"process\":{\"rss_mb\":7}}");
    assertEquals(7, r.rssMiB(), 1e-9);
  }

  @Test
  void prometheusWithCommentsLabelsAndScientificNotation() {
    String body = "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        + "# TYPE process_resident_memory_bytes gauge\n"
        + "process_resident_memory_bytes_max 9.9e+99\n"
        + "process_virtual_memory_bytes 4.0e+09\n"
        + "process_resident_memory_bytes{job=\"a b}\",pid=\"1\"} 1.234e+08 1700000000000\n";
    MemoryReading r = auto.parse("text/plain; version=0.0.4; charset=utf-8", body);
    assertEquals(1.234e8 / (1 << 20), r.rssMiB(), 1e-9);
    assertEquals("prometheus", r.source());
    assertNull(r.limitMiB());
  }

  @Test
  void prometheusWithoutLabels() {
    MemoryReading r = auto.parse("text/plain", "process_resident_memory_bytes 2097152\n");
    assertEquals(2, r.rssMiB(), 1e-9);
  }

  @Test
  void prometheusWithOnlyInfiniteValueIsAnError() {
    MemorySourceException e = assertThrows(MemorySourceException.class,
        () -> auto.parse("text/plain", "process_resident_memory_bytes +Inf\n"));
    assertTrue(e.getMessage().contains(URL), e.getMessage());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "MiB   | 42      | 42",
      "MB    | 0.95367431640625 | 1",
      "bytes | 2       | 2097152",
      "KiB   | 2       | 2048",
  })
  void explicitPointerAndUnit(String unit, double expectedMiB, double raw) {
    MemoryParser p = new MemoryParser(URL, "/stats/rss", unit);
    MemoryReading r = p.parse("application/json", "{\"stats\":{\"rss\":" + raw + "},\"rss_mb\":1}");
    assertEquals(expectedMiB, r.rssMiB(), 1e-6);
  }

  @Test
  void pointerWithoutUnitInfersFromName() {
    MemoryParser p = new MemoryParser(URL, "/mem/used_mb", null);
    assertEquals(12, p.parse(null, "{\"mem\":{\"used_mb\":12}}").rssMiB(), 1e-9);
  }

  @Test
  void pointerMissingNamesThePointer() {
    MemoryParser p = new MemoryParser(URL, "/stats/rss", "bytes");
    MemorySourceException e = assertThrows(MemorySourceException.class, () -> p.parse(null, "{\"rss_mb\":3}"));
    assertTrue(e.getMessage().contains("/stats/rss") && e.getMessage().contains(URL), e.getMessage());
  }

  @Test
  void htmlIsReportedWithUrlAndExpectation() {
    MemorySourceException e = assertThrows(MemorySourceException.class,
        () -> auto.parse("text/html; charset=utf-8", "<!doctype html><html>login</html>"));
    assertEquals("memory endpoint " + URL + " answered text/html; expected JSON with rss_mb (or similar)"
        + " or Prometheus process_resident_memory_bytes", e.getMessage());
  }

  @Test
  void garbageUnknownJsonInvalidJsonAndZeroAreErrorsNotZero() {
    for (String[] c : new String[][] {
        {"text/plain", "hello world"},
        {"application/json", "{\"cpu\":3,\"uptime\":1}"},
        {"application/json", "{\"rss_mb\":"},
        {"application/json", "{\"rss_mb\":0}"},
        {"application/json", "{\"rss_mb\":\"lots\"}"},
        {null, ""},
        {"application/json", "[1,2]"},
    }) {
      MemorySourceException e = assertThrows(MemorySourceException.class, () -> auto.parse(c[0], c[1]), c[1]);
      assertTrue(e.getMessage().startsWith("memory endpoint " + URL + " "), e.getMessage());
      assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }
  }

  @Test
  void unknownJsonListsKeys() {
    MemorySourceException e = assertThrows(MemorySourceException.class,
        () -> auto.parse("application/json", "{\"cpu\":3}"));
    assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("process.rss_mb"), e.getMessage());
  }
}
