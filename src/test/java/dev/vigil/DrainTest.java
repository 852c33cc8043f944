package dev.vigil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** SIGTERM on a real Vigil process: in-flight requests finish, new connections are refused, exit code 0. */
class DrainTest {

  @Test
  void sigtermDrainsInFlightRequestsAndExitsZero() throws Exception {
    Vertx vertx = Vertx.vertx();
    Process vigil = null;
    try {
      AtomicInteger arrived = new AtomicInteger();
      int appPort = vertx.createHttpServer().requestHandler(req -> {
        if (req.path().startsWith("/slow")) {
          arrived.incrementAndGet();
          vertx.setTimer(1_500, id -> req.response().end("done"));
        } else {
          req.response().end("ok");
        }
      }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      vigil = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.vigil.Main",
          "--upstream", "http://127.0.0.1:" + appPort, "--port", String.valueOf(port),
          "--set", "listen.host=127.0.0.1", "--set", "lifecycle.drainTimeout=10s",
          "--set", "memory.enabled=false", "--set", "keepalive.enabled=false")
          .redirectErrorStream(true).start();
      List<String> output = new CopyOnWriteArrayList<>();
      Process child = vigil;
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            output.add(line);
          }
        } catch (Exception ignored) {
          // the process ended
        }
      });
      reader.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (output.stream().noneMatch(l -> l.contains("listening on")) && System.nanoTime() < deadline) {
        assertTrue(vigil.isAlive(), "vigil exited: " + output);
        Thread.sleep(20); // test thread, bounded by the deadline
      }
      assertTrue(output.stream().anyMatch(l -> l.contains("listening on")), "never started: " + output);

      HttpClient client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(10));
      List<Future<String>> inFlight = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        inFlight.add(client.request(HttpMethod.GET, port, "127.0.0.1", "/slow/" + i)
            .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b))));
      }
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (arrived.get() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(10); // test thread, bounded
      }
      assertEquals(5, arrived.get(), "all five requests are in flight at the app");

      new ProcessBuilder("kill", "-TERM", String.valueOf(vigil.pid())).start().waitFor();
      for (Future<String> f : inFlight) {
        assertEquals("200 done", f.await(15, TimeUnit.SECONDS), "in-flight request completed during the drain");
      }
      // The listener is closed: a new connection is refused.
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      boolean refused = false;
      while (!refused && System.nanoTime() < deadline) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          Thread.sleep(20); // still accepting: retry shortly, bounded
        } catch (ConnectException e) {
          refused = true;
        }
      }
      assertTrue(refused, "new connections refused after SIGTERM");
      assertTrue(vigil.waitFor(20, TimeUnit.SECONDS), "vigil exited");
      assertEquals(0, vigil.exitValue(), "exit code after SIGTERM; output: " + output);
      reader.join(5_000);
      assertTrue(output.stream().anyMatch(l -> l.contains("draining")), output.toString());
      Process done = vigil;
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "still listening: " + done);
    } finally {
      if (vigil != null && vigil.isAlive()) {
        vigil.destroyForcibly();
      }
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }
}
