package dev.vigil.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dashboard's files, read from the jar once at start-up (a few hundred KiB) so that serving
 * them never touches the file system from an event loop. Only the files listed here exist: no
 * path from a request is ever used to open anything.
 */
public final class DashboardAssets {

  /** Chart.js from the WebJar on the classpath; no CDN. */
  static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.min.js";

  private final Buffer index;
  private final Map<String, Asset> assets = new TreeMap<>();

  private record Asset(Buffer body, String contentType) {
  }

  public DashboardAssets() {
    ClassLoader cl = DashboardAssets.class.getClassLoader();
    Buffer page = read(cl, "dashboard/index.html");
    index = page != null ? page : Buffer.buffer(
        "<!doctype html><title>Vigil</title><p>Dashboard assets missing from this build; see <a href=\"health\">health</a>.");
    add(cl, "app.js", "dashboard/app.js", "text/javascript; charset=utf-8");
    add(cl, "app.css", "dashboard/app.css", "text/css; charset=utf-8");
    add(cl, "chart.umd.js", CHART_JS, "text/javascript; charset=utf-8");
  }

  private void add(ClassLoader cl, String name, String resource, String contentType) {
    Buffer body = read(cl, resource);
    if (body != null) {
      assets.put(name, new Asset(body, contentType));
    }
  }

  private static Buffer read(ClassLoader cl, String resource) {
    try (InputStream in = cl.getResourceAsStream(resource)) {
      return in == null ? null : Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code GET {prefix}}: the page. */
  public void page(HttpServerRequest request) {
    request.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                + "connect-src 'self'; frame-ancestors 'none'")
        .putHeader("x-content-type-options", "nosniff")
        .end(index);
  }

  /** {@code GET {prefix}assets/NAME}: one of the known files, else 404. */
  public void asset(HttpServerRequest request, String name) {
    Asset asset = assets.get(name);
    if (asset == null) {
      dev.vigil.proxy.ErrorReply.send(request, 404, "no such dashboard asset: " + name, false);
      return;
    }
    request.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, asset.contentType())
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=300")
        .putHeader("x-content-type-options", "nosniff")
        .end(asset.body());
  }
}
