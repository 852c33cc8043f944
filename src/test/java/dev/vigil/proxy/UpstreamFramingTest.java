package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RawHttp;
import dev.vigil.testing.Vigils;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The upstream engine (netty by default; {@link VertxEngineTest} repeats these with vertx) against
 * an app that speaks HTTP/1.x the odd but legal ways a real one can: interim answers, HTTP/1.0
 * with a body ended by the close, an answer broken off mid-body, a stray answer on an idle
 * connection. Each app here is a raw TCP server that writes exactly the bytes given, so the
 * engine's framing is what is tested.
 */
class UpstreamFramingTest extends ProxyTestBase {

  private final List<String> heads = new CopyOnWriteArrayList<>();
  private final AtomicInteger appSideClosed = new AtomicInteger();

  /** A raw app: {@code onRequest} gets each request head (text up to the blank line) and the socket. */
  private int rawApp(BiConsumer<String, NetSocket> onRequest) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      StringBuilder buf = new StringBuilder();
      socket.closeHandler(v -> appSideClosed.incrementAndGet());
      socket.handler(data -> {
        buf.append(data.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
        int end;
        while ((end = buf.indexOf("\r\n\r\n")) >= 0) {
          String head = buf.substring(0, end);
          buf.delete(0, end + 4);
          if (!head.startsWith("GET /api/health")) { // Vigil's health checks are not the test's requests
            heads.add(head);
          }
          onRequest.accept(head, socket);
        }
      });
    });
    return server.listen(0, "127.0.0.1").await().actualPort();
  }

  private void startVigil(int appPort, Map<String, String> settings) throws Exception {
    if (engine() != null) {
      settings = new java.util.HashMap<>(settings);
      settings.put("upstream.engine", engine());
    }
    sidecar = Vigils.start(vertx, "http://127.0.0.1:" + appPort, settings);
    port = sidecar.proxyPort();
  }

  @Test
  void interimAnswersAreNotRelayedAndTheFinalOneIs() throws Exception {
    int appPort = rawApp((head, s) -> s.write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
        + "HTTP/1.1 100 Continue\r\n\r\n"
        + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"));
    startVigil(appPort, Map.of());
    try (RawHttp c = raw()) {
      for (int i = 0; i < 2; i++) { // twice on one keep-alive connection: the framing stays in step
        RawHttp.Response r = c.send("GET /hints HTTP/1.1\r\nHost: a\r\n\r\n").read();
        assertEquals(200, r.status(), r.toString());
        assertEquals("hello", r.body());
        assertFalse(r.headers().containsKey("link"), "the 103's header is not merged into the answer");
      }
    }
    assertEquals(2, heads.size());
  }

  @Test
  void anHttp10AnswerEndedByTheCloseReachesAnHttp11ClientWhole() throws Exception {
    int appPort = rawApp((head, s) -> s.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
        + "x".repeat(100_000)).onComplete(v -> s.close()));
    startVigil(appPort, Map.of());
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET /old HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertEquals(200, r.status(), r.toString());
      assertEquals(100_000, r.body().length());
      assertEquals("chunked", r.headers().get("transfer-encoding"), "re-framed for the keep-alive client");
      RawHttp.Response again = c.send("GET /old HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertEquals(100_000, again.body().length(), "the app's close did not end the client's connection");
    }
    assertEquals(2, heads.size(), "a connection the app closed is not reused");
  }

  @Test
  void anAnswerBrokenOffMidBodyResetsTheClientAndCounts502() throws Exception {
    int appPort = rawApp((head, s) -> s.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
        .onComplete(v -> s.close()));
    startVigil(appPort, Map.of());
    try (RawHttp c = raw()) {
      c.send("GET /broken HTTP/1.1\r\nHost: a\r\n\r\n");
      RawHttp.Response head = c.readHead();
      assertEquals(200, head.status());
      c.timeout(5_000);
      int bodyBytes = 0;
      while (!c.closedByPeer()) { // reads the relayed "partial" byte by byte, then the close
        bodyBytes++;
        assertTrue(bodyBytes <= "partial".length(), "the client is left waiting for the other 993 bytes");
      }
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (sidecar.health().report().getJsonObject("proxy").getJsonObject("rejected").getInteger("upstream_error") < 1) {
      assertTrue(System.nanoTime() < deadline, "the broken answer was not counted");
      Thread.sleep(10); // test thread, bounded
    }
  }

  @Test
  void aStrayAnswerOnAnIdleConnectionRetiresItAndTheNextRequestIsServed() throws Exception {
    AtomicInteger n = new AtomicInteger();
    int appPort = rawApp((head, s) -> {
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      if (n.incrementAndGet() == 1) {
        // An answer nobody asked for, after the real one: the connection is out of step.
        vertx.setTimer(100, id -> s.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray"));
      }
    });
    startVigil(appPort, Map.of());
    try (RawHttp c = raw()) {
      assertEquals("ok", c.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n").read().body());
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (appSideClosed.get() < 1) {
        assertTrue(System.nanoTime() < deadline, "the out-of-step connection was not closed");
        Thread.sleep(10); // test thread, bounded
      }
      RawHttp.Response r = c.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertEquals(200, r.status());
      assertEquals("ok", r.body());
    }
  }

  @Test
  void aRequestBodyIsStreamedWithItsFraming() throws Exception {
    StringBuilder seen = new StringBuilder();
    int appPort = rawApp((head, s) -> {
      if (head.startsWith("POST")) { // not the chunk lines that follow it
        seen.append(head);
        s.write("HTTP/1.1 204 No Content\r\n\r\n");
      }
    });
    startVigil(appPort, Map.of());
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5\r\nhello\r\n0\r\n\r\n").readHead();
      assertEquals(204, r.status(), r.toString());
    }
    String head = seen.toString().toLowerCase();
    assertTrue(head.startsWith("post /up http/1.1"), head);
    assertTrue(head.contains("transfer-encoding: chunked"), head);
    assertTrue(head.contains("x-forwarded-for: 127.0.0.1"), head);
    assertTrue(head.contains("x-request-id: "), head);
  }
}
