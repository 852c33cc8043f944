package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RawHttp;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every refusal: the right status, the JSON body, the connection closed where framing is in doubt, and nothing reaches the app. */
class RejectionTest extends ProxyTestBase {

  @BeforeEach
  void start() throws Exception {
    startVigil(Map.of("proxy.maxBodySize", "1KiB", "proxy.maxHeaderSize", "4KiB"));
  }

  @Test
  void declaredBodyOverTheLimitIs413() throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n").read();
      assertJsonError(r, 413);
      assertTrue(c.closedByPeer());
    }
    assertTrue(app.seen().isEmpty(), "nothing reached the app");
  }

  @Test
  void bodyOfExactlyTheLimitPasses() throws Exception {
    app.answer(req -> req.body().onSuccess(b -> req.response().end("got " + b.length())));
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1024\r\n\r\n" + "x".repeat(1024))
          .read();
      assertEquals(200, r.status());
      assertEquals("got 1024", r.body());
    }
  }

  @Test
  void chunkedBodyOverTheLimitIs413MidStream() throws Exception {
    try (RawHttp c = raw()) {
      String chunk = "x".repeat(800);
      RawHttp.Response r = c.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
          + Integer.toHexString(800) + "\r\n" + chunk + "\r\n" + Integer.toHexString(800) + "\r\n" + chunk + "\r\n")
          .read();
      assertJsonError(r, 413);
      assertTrue(c.closedByPeer());
    }
  }

  @Test
  void expectContinueOverTheLimitGets413BeforeAny100() throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
          .read();
      assertJsonError(r, 413);
    }
    assertTrue(app.seen().isEmpty());
  }

  @Test
  void expectContinueWithinTheLimitGets100ThenTheAnswer() throws Exception {
    app.answer(req -> req.body().onSuccess(b -> req.response().end("got " + b.length())));
    try (RawHttp c = raw()) {
      RawHttp.Response cont = c.send("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
          .read();
      assertEquals(100, cont.status());
      RawHttp.Response r = c.send("0123456789").read();
      assertEquals(200, r.status());
      assertEquals("got 10", r.body());
    }
  }

  @Test
  void headerBlockOverTheLimitIs431() throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "y".repeat(5000) + "\r\n\r\n").read();
      assertJsonError(r, 431);
      assertTrue(c.closedByPeer());
    }
    assertTrue(app.seen().isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // both Content-Length and Transfer-Encoding
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      // differing duplicate Content-Length
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
      // Content-Length list
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 5\r\n\r\nabcde",
      // obfuscated Transfer-Encoding
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      // unparsable Content-Length
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\nabcde",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
  })
  void smugglingShapesAre400AndClose(String request) throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send(request).read();
      assertJsonError(r, 400);
      assertTrue(c.closedByPeer(), "connection closed after a framing error");
    }
    assertTrue(app.seen().stream().noneMatch(s -> s.method().equals("POST") && s.uri().equals("/")
        && s.headers().contains("content-length") && s.headers().contains("transfer-encoding")),
        "no ambiguous request reached the app: " + app.seen());
    assertTrue(app.seen().isEmpty(), "nothing reached the app: " + app.seen());
  }

  @Test
  void brokenChunkFramingClosesTheConnectionAndTheAppNeverGetsACompleteBody() throws Exception {
    java.util.List<Integer> completeBodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    app.answer(req -> req.body().onSuccess(b -> {
      completeBodies.add(b.length());
      req.response().end("got it");
    }));
    try (RawHttp c = raw()) {
      c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nabc\r\n0\r\n\r\n");
      // The head was valid, so the body was already streaming when the bad chunk size arrived:
      // the only safe answer left is to close.
      assertTrue(c.closedByPeer() || c.read().status() >= 400);
    }
    assertTrue(completeBodies.isEmpty(), "the app never got a complete body: " + completeBodies);
  }

  @Test
  void absoluteFormForAnotherHostIsRefused() throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET http://evil.example/steal HTTP/1.1\r\nHost: good.example\r\n\r\n").read();
      assertJsonError(r, 400);
    }
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n").read();
      assertEquals(true, r.status() == 405 || r.status() == 400, r.toString());
    }
    assertTrue(app.seen().isEmpty());
  }

  @Test
  void absoluteFormForTheSameHostIsForwardedAsOriginForm() throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET http://good.example/items?x=1 HTTP/1.1\r\nHost: good.example\r\n\r\n").read();
      assertEquals(200, r.status());
    }
    assertEquals("/items?x=1", app.last().uri());
  }

  @Test
  void rejectionsAreCountedByCause() throws Exception {
    try (RawHttp c = raw()) {
      c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 99999\r\n\r\n").read();
    }
    var proxy = sidecar.health().report().getJsonObject("proxy");
    assertEquals(1, proxy.getJsonObject("rejected").getInteger("too_large"));
    assertEquals(1, proxy.getJsonObject("status_classes").getInteger("4xx"));
  }
}
