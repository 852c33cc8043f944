package dev.vigil.dashboard;

import dev.vigil.testing.HeadlessChromium;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Checks a running Vigil dashboard in headless Chromium: against the fixture server here, or
 * against a real sidecar (for example {@code java -jar target/vigil.jar demo}) in an integration
 * test: {@code DashboardCheck.assertDashboardWorks("http://127.0.0.1:8080/sidecar/", Path.of("target/dashboard.png"))}.
 */
public final class DashboardCheck {

  /** Laptop viewport of the main screenshot. */
  public static final int LAPTOP_WIDTH = 1366;
  public static final int LAPTOP_HEIGHT = 850;
  /** Phone viewport of the second screenshot (saved next to the first, with "-mobile"). */
  public static final int PHONE_WIDTH = 390;
  public static final int PHONE_HEIGHT = 844;
  /** The narrowest phone the layout must fit without horizontal scrolling. */
  public static final int NARROW_WIDTH = 375;
  private static final Duration READY_BOUND = Duration.ofSeconds(20);

  /** What the page showed once it had rendered. */
  public record DashboardView(String status, String issuesText, int memoryPoints, int trendPoints,
                              int limitPoints, int requestRows, String memoryNote, int attributionRows,
                              String attributionText, int restartMarkers, int recycleMarkers) { }

  private DashboardCheck() { }

  /**
   * Skips the calling test when Chromium is missing, except on CI ({@code CI=true}) where a missing
   * browser fails the test.
   */
  public static void assumeChromium() {
    Optional<Path> exe = HeadlessChromium.findExecutable();
    if (exe.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("chromium not installed (required when CI=true; set CHROMIUM to its path)");
    }
    Assumptions.assumeTrue(exe.isPresent(), "chromium not installed");
  }

  /**
   * Loads {@code url}, waits (bounded) for the first complete render, asserts there are no console
   * errors, a known status badge, drawn charts and no horizontal overflow at 375 px, and saves a
   * laptop screenshot to {@code screenshot}, the whole laptop page beside it ("-full" before ".png")
   * and a phone one ("-mobile").
   */
  public static DashboardView assertDashboardWorks(String url, Path screenshot) throws IOException {
    return assertDashboardWorks(url, screenshot, "light");
  }

  /** As {@link #assertDashboardWorks(String, Path)}, with {@code prefers-color-scheme} set to "light" or "dark". */
  public static DashboardView assertDashboardWorks(String url, Path screenshot, String colorScheme) throws IOException {
    assumeChromium();
    try (HeadlessChromium chromium = HeadlessChromium.launch()) {
      HeadlessChromium.Tab tab = chromium.openTab();
      tab.setColorScheme(colorScheme);
      tab.setViewport(LAPTOP_WIDTH, LAPTOP_HEIGHT, 1, false);
      tab.navigate(url);
      boolean ready = tab.waitFor("window.__vigilReady === true && window.__vigil.charts.memory"
          + " && window.__vigil.charts.memory.getDatasetMeta(0).data.length"
          + " === window.__vigil.charts.memory.data.datasets[0].data.length", READY_BOUND);
      Assertions.assertTrue(ready, () -> "dashboard did not render within " + READY_BOUND + "; problems: " + unexpected(tab));
      DashboardView view = readView(tab);
      Assertions.assertTrue(List.of("healthy", "degraded", "unhealthy").contains(view.status()),
          "status badge shows " + view.status());
      tab.screenshot(screenshot);
      tab.fullPageScreenshot(sibling(screenshot, "-full"));

      tab.setViewport(PHONE_WIDTH, PHONE_HEIGHT, 2, true);
      settle(tab);
      tab.screenshot(sibling(screenshot, "-mobile"));
      tab.setViewport(NARROW_WIDTH, 812, 2, true);
      settle(tab);
      Object overflow = tab.evaluate("Array.from(document.querySelectorAll('body *'))"
          + ".filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)"
          + ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)");
      Assertions.assertEquals(new JsonArray(), overflow, "elements wider than a 375 px screen");
      Object scroll = tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth");
      Assertions.assertEquals(Boolean.TRUE, scroll, "page scrolls sideways at 375 px");

      List<HeadlessChromium.Problem> problems = unexpected(tab);
      Assertions.assertEquals(List.of(), problems, "console errors on the dashboard");
      return view;
    }
  }

  static Path sibling(Path png, String suffix) {
    String name = png.getFileName().toString();
    String base = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
    return png.resolveSibling(base + suffix + ".png");
  }

  /** Lets the charts resize to the new viewport: two animation frames. */
  private static void settle(HeadlessChromium.Tab tab) throws IOException {
    tab.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))");
  }

  private static DashboardView readView(HeadlessChromium.Tab tab) throws IOException {
    JsonObject v = (JsonObject) tab.evaluate("(() => { const m = window.__vigil.charts.memory.data.datasets; return {"
        + " status: document.getElementById('status-badge').textContent.trim(),"
        + " issues: document.getElementById('issues').textContent.trim(),"
        + " memory: m[0].data.length, trend: m[1].data.length, limit: m[2].data.length,"
        + " restarts: m[4].data.length, recycles: m[5].data.length,"
        + " rows: document.querySelectorAll('#requests tbody tr td:not([colspan])').length ? document.querySelectorAll('#requests tbody tr').length : 0,"
        + " note: document.getElementById('memory-note').textContent.trim(),"
        + " blamed: document.querySelectorAll('#attribution tbody tr td:not([colspan])').length ? document.querySelectorAll('#attribution tbody tr').length : 0,"
        + " blame: document.getElementById('attribution').textContent.replace(/\\s+/g, ' ').trim()"
        + " + ' ' + document.getElementById('attribution-unexplained').textContent.trim() }; })()");
    return new DashboardView(v.getString("status"), v.getString("issues"), v.getInteger("memory"),
        v.getInteger("trend"), v.getInteger("limit"), v.getInteger("rows"), v.getString("note"),
        v.getInteger("blamed"), v.getString("blame"), v.getInteger("restarts"), v.getInteger("recycles"));
  }

  /**
   * Problems minus the one Chromium logs by itself when /health answers 503 (an unhealthy
   * sidecar): the page handles that body on purpose.
   */
  private static List<HeadlessChromium.Problem> unexpected(HeadlessChromium.Tab tab) {
    return tab.problems().stream()
        .filter(p -> !("log.network".equals(p.kind()) && p.url() != null && p.url().endsWith("/health")
            && p.text() != null && p.text().contains("503")))
        .collect(Collectors.toList());
  }
}
