package dev.vigil.dashboard;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The page must work under any admin prefix and without network access: relative URLs only, no CDN. */
class DashboardResourcesTest {

  @Test
  void resourcesTheAdminRouterServesAreOnTheClasspath() throws IOException {
    for (String r : List.of("dashboard/index.html", "dashboard/app.js", "dashboard/app.css",
        DashboardFixtureServer.CHART_JS)) {
      assertTrue(read(r).length() > 100, r);
    }
  }

  @Test
  void indexUsesRelativeUrlsOnly() throws IOException {
    String html = read("dashboard/index.html");
    Matcher m = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
    int count = 0;
    while (m.find()) {
      String url = m.group(1);
      count++;
      assertFalse(url.startsWith("/") || url.contains("://"), "absolute URL in index.html: " + url);
    }
    assertEquals(4, count, "icon, app.css, chart.umd.js, app.js");
    assertTrue(html.contains("src=\"assets/chart.umd.js\""));
    assertTrue(html.contains("src=\"assets/app.js\""));
    assertTrue(html.contains("aria-live=\"polite\""));
  }

  @Test
  void scriptFetchesRelativeEndpointsOnly() throws IOException {
    String js = read("dashboard/app.js");
    assertTrue(js.contains("getJson('health')"));
    assertTrue(js.contains("getJson('memory')"));
    assertTrue(js.contains("getJson('requests?limit=50')"));
    assertFalse(js.contains("http://") || js.contains("https://") || js.contains("'/sidecar"), "absolute URL in app.js");
  }

  private static String read(String resource) throws IOException {
    try (InputStream in = getClassLoader().getResourceAsStream(resource)) {
      assertNotNull(in, resource);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static ClassLoader getClassLoader() {
    return DashboardResourcesTest.class.getClassLoader();
  }
}
