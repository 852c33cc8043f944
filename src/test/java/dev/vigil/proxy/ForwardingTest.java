package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RawHttp;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Headers both ways, the admin prefix, and the answers that carry no body. */
class ForwardingTest extends ProxyTestBase {

  @Test
  void hopByHopHeadersAreDroppedAndForwardingHeadersSet() throws Exception {
    startVigil(Map.of());
    app.answer(req -> req.response()
        .putHeader("Connection", "X-Secret-Hop")
        .putHeader("X-Secret-Hop", "internal")
        .putHeader("Keep-Alive", "timeout=5")
        .putHeader("X-App", "yes")
        .end("ok"));
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET /things?q=1 HTTP/1.1\r\nHost: shop.example\r\n"
          + "Connection: keep-alive, X-Drop-Me\r\nX-Drop-Me: gone\r\nKeep-Alive: 300\r\nProxy-Connection: x\r\n"
          + "TE: trailers\r\nUpgrade: h2c\r\nProxy-Authorization: Basic Zm9v\r\nX-Forwarded-For: 203.0.113.7\r\n"
          + "X-Keep: kept\r\n\r\n").read();
      assertEquals(200, r.status());
      assertEquals("yes", r.headers().get("x-app"));
      assertNull(r.headers().get("x-secret-hop"), "named in the app's Connection header");
      assertNull(r.headers().get("keep-alive"));
      assertTrue(r.headers().containsKey("x-request-id"));
    }
    var seen = app.last();
    assertEquals("/things?q=1", seen.uri());
    assertEquals("shop.example", seen.headers().get("host"), "Host kept as the client sent it");
    for (String hop : new String[] {"x-drop-me", "keep-alive", "proxy-connection", "te", "upgrade", "proxy-authorization"}) {
      assertFalse(seen.headers().contains(hop), hop + " must not be forwarded");
    }
    assertEquals("kept", seen.headers().get("x-keep"));
    assertEquals("203.0.113.7, 127.0.0.1", seen.headers().get("x-forwarded-for"));
    assertEquals("http", seen.headers().get("x-forwarded-proto"));
    assertEquals("shop.example", seen.headers().get("x-forwarded-host"));
    assertTrue(seen.headers().get("x-request-id").matches("[0-9a-f]{32}"));
  }

  @Test
  void theAppsReasonPhraseIsKept() throws Exception {
    startVigil(Map.of());
    app.answer(req -> req.response().setStatusCode(req.path().equals("/own") ? 299 : 404)
        .setStatusMessage(req.path().equals("/own") ? "Fine Anyway" : "Not Found").end("x"));
    try (RawHttp c = raw()) {
      assertEquals("HTTP/1.1 299 Fine Anyway", c.send("GET /own HTTP/1.1\r\nHost: a\r\n\r\n").read().statusLine());
      assertEquals("HTTP/1.1 404 Not Found", c.send("GET /std HTTP/1.1\r\nHost: a\r\n\r\n").read().statusLine());
    }
    app.answer(req -> req.response().setStatusCode(200).setStatusMessage("Quite OK").end("x"));
    try (RawHttp c = raw()) {
      assertEquals("HTTP/1.1 200 Quite OK", c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read().statusLine());
    }
  }

  @Test
  void wellFormedRequestIdIsKeptOthersReplaced() throws Exception {
    startVigil(Map.of());
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc-123.DEF_4\r\n\r\n").read();
      assertEquals("abc-123.DEF_4", r.headers().get("x-request-id"));
    }
    assertEquals("abc-123.DEF_4", app.last().headers().get("x-request-id"));
    try (RawHttp c = raw()) {
      c.send("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: <script>\r\n\r\n").read();
    }
    assertNotEquals("<script>", app.last().headers().get("x-request-id"));
  }

  @Test
  void rewriteHostSendsTheUpstreamAuthority() throws Exception {
    startVigil(Map.of("upstream.rewriteHost", "true"));
    try (RawHttp c = raw()) {
      c.send("GET / HTTP/1.1\r\nHost: public.example\r\n\r\n").read();
    }
    assertEquals("127.0.0.1:" + app.port(), app.last().headers().get("host"));
    assertEquals("public.example", app.last().headers().get("x-forwarded-host"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/sidecar/health/live", "//sidecar/health/live", "/%73idecar/health/live",
      "/sidecar%2Fhealth%2Flive", "/SIDECAR/health/live", "/x/../sidecar/health/live", "/sidecar/./health/live"})
  void adminPathVariantsAreAnsweredByVigilNeverForwarded(String path) throws Exception {
    startVigil(Map.of());
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertEquals(200, r.status(), path);
      assertEquals("{\"status\":\"UP\"}", r.body());
    }
    assertTrue(app.seen().isEmpty(), "reached the app: " + app.seen());
  }

  @Test
  void dotSegmentsLeavingThePrefixGoToTheAppNormalized() throws Exception {
    startVigil(Map.of());
    try (RawHttp c = raw()) {
      assertEquals(200, c.send("GET /sidecar/../x HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
    }
    assertEquals("/x", app.last().uri());
  }

  @Test
  void headAnd204And304CarryNoBody() throws Exception {
    startVigil(Map.of());
    app.answer(req -> {
      switch (req.path()) {
        case "/204" -> req.response().setStatusCode(204).end();
        case "/304" -> req.response().setStatusCode(304).putHeader("etag", "\"v1\"").end();
        default -> {
          if (req.method().name().equals("HEAD")) {
            req.response().putHeader("content-length", "12").end(); // what a GET would carry
          } else {
            req.response().putHeader("content-type", "text/plain").end("twelve bytes");
          }
        }
      }
    });
    try (RawHttp c = raw()) {
      RawHttp.Response head = c.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n").readHead();
      assertEquals(200, head.status());
      assertEquals("12", head.headers().get("content-length"));
      RawHttp.Response noContent = c.send("GET /204 HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertEquals(204, noContent.status());
      RawHttp.Response notModified = c.send("GET /304 HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertEquals(304, notModified.status());
      assertEquals("\"v1\"", notModified.headers().get("etag"));
      // The same connection still works: no stray body bytes were sent.
      RawHttp.Response after = c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertEquals("twelve bytes", after.body());
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    startVigil(Map.of());
    app.answer(req -> {
      long delay = req.path().equals("/1") ? 200 : 1;
      vertx.setTimer(delay, id -> req.response().end("answer" + req.path()));
    });
    try (RawHttp c = raw()) {
      c.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals("answer/1", c.read().body());
      assertEquals("answer/2", c.read().body());
      assertEquals("answer/3", c.read().body());
    }
  }

  @Test
  void http10ClientGetsACloseDelimitedStream() throws Exception {
    startVigil(Map.of());
    app.answer(req -> req.response().setChunked(true).write("part1-").onSuccess(v -> req.response().end("part2")));
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET /stream HTTP/1.0\r\nHost: a\r\n\r\n").read();
      assertEquals(200, r.status());
      assertEquals("part1-part2", r.body());
      assertNull(r.headers().get("transfer-encoding"), "no chunked encoding for HTTP/1.0");
    }
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET /x HTTP/1.0\r\n\r\n").read();
      assertEquals(200, r.status());
    }
  }
}
