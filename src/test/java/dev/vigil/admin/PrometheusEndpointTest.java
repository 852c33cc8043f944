package dev.vigil.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.Sidecar;
import dev.vigil.Telemetry;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real /sidecar/metrics output, Vert.x meters included, passes `promtool check metrics`. */
class PrometheusEndpointTest {

  @Test
  void metricsEndpointPassesPromtool() throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    boolean ci = "true".equals(System.getenv("CI"));
    assumeTrue(ci || Files.isExecutable(promtool), "promtool not installed (Debian package prometheus)");

    Telemetry telemetry = new Telemetry();
    Vertx vertx = telemetry.newVertx(2, true);
    try {
      int appPort = vertx.createHttpServer()
          .requestHandler(req -> req.response().setStatusCode(req.path().equals("/boom") ? 500 : 200).end("ok"))
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
      VigilConfig config = ConfigLoader.load(null, Map.of(), Map.of(
          "listen.port", "0", "listen.host", "127.0.0.1", "upstream.url", "http://127.0.0.1:" + appPort,
          "keepalive.enabled", "false", "memory.poll.interval", "200ms", "memory.poll.timeout", "200ms"), w -> { });
      Sidecar sidecar = new Sidecar(config, Clock.systemUTC(), telemetry.registry());
      sidecar.start(vertx).await(20, TimeUnit.SECONDS);
      HttpClient client = vertx.createHttpClient();
      int port = sidecar.proxyPort();
      for (String path : new String[] {"/a/1", "/a/2", "/boom", "/x?y=1", "/sidecar/health"}) {
        client.request(HttpMethod.GET, port, "127.0.0.1", path)
            .compose(r -> r.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS);
      }
      String text = client.request(HttpMethod.GET, port, "127.0.0.1", "/sidecar/metrics")
          .compose(r -> r.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS).toString();
      assertTrue(text.contains("vigil_requests_total{method=\"GET\",route=\"/a/{id}\",status_class=\"2xx\"} 2"), text);
      assertTrue(text.contains("vigil_request_duration_seconds_bucket"));
      assertTrue(text.contains("vigil_requests_in_flight"));
      assertTrue(text.contains("vertx_http_server_requests_total"));
      assertTrue(text.contains("vertx_http_client_requests_total"));
      assertTrue(text.contains("jvm_memory_used_bytes"));
      assertTrue(text.contains("vigil_keepalive_pings_total"));

      Path file = Files.createTempFile("vigil-metrics", ".txt");
      Files.writeString(file, text);
      Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
          .redirectInput(file.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), "promtool: " + out);
      Files.deleteIfExists(file);
      sidecar.stop().await(20, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
      telemetry.close();
    }
  }
}
