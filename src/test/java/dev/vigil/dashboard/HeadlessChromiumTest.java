package dev.vigil.dashboard;

import dev.vigil.testing.HeadlessChromium;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The "no console errors" assertions are only worth something if the helper really sees errors. */
class HeadlessChromiumTest {

  @Test
  void collectsConsoleErrorsAndExceptionsAndCleansUp() throws Exception {
    DashboardCheck.assumeChromium();
    String html = "<html><body><p id=x>hi</p><script>console.error('boom', 42);"
        + "setTimeout(() => { throw new Error('kaput'); }, 0);</script></body></html>";
    Path shot = Path.of("target/headless-chromium-test.png");
    Files.deleteIfExists(shot);
    try (HeadlessChromium chromium = HeadlessChromium.launch()) {
      HeadlessChromium.Tab tab = chromium.openTab();
      tab.setViewport(400, 300, 1, false);
      tab.navigate("data:text/html," + URLEncoder.encode(html, StandardCharsets.UTF_8).replace("+", "%20"));
      assertTrue(tab.waitFor("document.getElementById('x') !== null", Duration.ofSeconds(10)));
      assertEquals("hi", tab.evaluate("document.getElementById('x').textContent"));
      assertEquals(400.0, ((Number) tab.evaluate("window.innerWidth")).doubleValue());
      assertTrue(waitForProblems(tab, 2), () -> "problems: " + tab.problems());
      List<HeadlessChromium.Problem> problems = tab.problems();
      assertTrue(problems.stream().anyMatch(p -> p.kind().equals("console.error") && p.text().contains("boom 42")), problems::toString);
      assertTrue(problems.stream().anyMatch(p -> p.kind().equals("exception") && p.text().contains("kaput")), problems::toString);
      assertFalse(tab.waitFor("false", Duration.ofMillis(300)), "waitFor is bounded");
      tab.screenshot(shot);
    }
    byte[] png = Files.readAllBytes(shot);
    assertEquals((byte) 0x89, png[0]);
    assertEquals('P', png[1]);
  }

  private static boolean waitForProblems(HeadlessChromium.Tab tab, int n) throws Exception {
    // Exceptions arrive as events; let the page tick (bounded) until they have been seen.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (tab.problems().size() < n && System.nanoTime() < deadline) {
      tab.evaluate("new Promise(r => setTimeout(() => r(true), 50))");
    }
    return tab.problems().size() >= n;
  }
}
