package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RawHttp;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/1.1 strictness at the edge (issue 12, RFC 9110/9112): exact request bytes on a raw socket,
 * the answer's status line (always HTTP/1.1), the JSON error, the close, and nothing at the app.
 * Request strings are sent as ISO-8859-1, so {@code \u00c3\u00a9} is the two raw bytes of UTF-8 é.
 */
class StrictnessTest extends ProxyTestBase {

  @BeforeEach
  void start() throws Exception {
    startVigil(Map.of());
  }

  /** Sends {@code request}, expects Vigil's own {@code status} with an HTTP/1.1 status line and a close. */
  private void assertRefused(String request, int status) throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send(request).read();
      assertTrue(r.statusLine().startsWith("HTTP/1.1 " + status + " "), r.statusLine());
      assertJsonError(r, status);
      assertTrue(c.closedByPeer(), "connection closed after " + r.statusLine());
    }
    assertTrue(app.seen().isEmpty(), "nothing reached the app: " + app.seen());
  }

  // 1. Host (RFC 9112 3.2, RFC 9110 7.2)

  @ParameterizedTest
  @ValueSource(strings = {
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h/path\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: user@h\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: \r\n\r\n",
      "GET / HTTP/1.1\r\nHost:\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
      "GET http://other.example/ HTTP/1.1\r\nHost: good.example\r\n\r\n",
      "GET http://user@good.example/ HTTP/1.1\r\nHost: good.example\r\n\r\n",
  })
  void badOrMissingHostIs400(String request) throws Exception {
    assertRefused(request, 400);
  }

  @Test
  void validHostsAreForwardedAndOnlyThoseBecomeXForwardedHost() throws Exception {
    for (String host : new String[] {"example.com", "example.com:8080", "[::1]:8080", "10.0.0.1", "my_host.local"}) {
      try (RawHttp c = raw()) {
        assertEquals(200, c.send("GET /h HTTP/1.1\r\nHost: " + host + "\r\n\r\n").read().status(), host);
      }
      assertEquals(host, app.last().headers().get("x-forwarded-host"));
    }
  }

  @Test
  void http10WithoutHostIsForwardedWithoutXForwardedHost() throws Exception {
    try (RawHttp c = raw()) {
      assertEquals(200, c.send("GET /old HTTP/1.0\r\n\r\n").read().status());
    }
    assertEquals("/old", app.last().uri());
    assertNull(app.last().headers().get("x-forwarded-host"));
  }

  // 2. Request-target bytes (RFC 9112 3.2, RFC 3986)

  @ParameterizedTest
  @ValueSource(strings = {
      "GET /caf\u00c3\u00a9 HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /a\u0000b HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /a\u007fb HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /a?q=1#frag HTTP/1.1\r\nHost: a\r\n\r\n",
  })
  void badTargetBytesAre400(String request) throws Exception {
    assertRefused(request, 400);
  }

  @Test
  void percentEncodedTargetReachesTheAppByteForByte() throws Exception {
    try (RawHttp c = raw()) {
      assertEquals(200, c.send("GET /caf%C3%A9?q=%00%e9 HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
    }
    assertEquals("/caf%C3%A9?q=%00%e9", app.last().uri());
  }

  // 3. Expect and 1xx (RFC 9110 10.1.1, 15.2)

  @ParameterizedTest
  @ValueSource(strings = {"200-ok", "100-continue, 200-ok", "100-continue;x=1"})
  void unknownExpectationIs417(String expect) throws Exception {
    assertRefused("POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: " + expect + "\r\n\r\n", 417);
  }

  @Test
  void http10ClientNeverGets100Continue() throws Exception {
    app.answer(req -> req.body().onSuccess(b -> req.response().end("got " + b.length())));
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("POST /f HTTP/1.0\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nab")
          .read();
      assertEquals(200, r.status(), "the first thing read is the answer, not a 100: " + r);
      assertEquals("got 2", r.body());
    }
  }

  @Test
  void requestWithoutExpectGetsNo100() throws Exception {
    app.answer(req -> req.body().onSuccess(b -> req.response().end("got " + b.length())));
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab").read();
      assertEquals(200, r.status(), r.toString());
      assertEquals("got 2", r.body());
    }
    assertFalse(app.last().headers().contains("expect"));
  }

  // 4. Version (RFC 9112 2.3, RFC 9110 2.5)

  @ParameterizedTest
  @CsvSource({
      "HTTP/9.9, 505",
      "HTTP/2.0, 505",
      "HTTP/0.9, 505",
      "HTTP/01.1, 400",
      "http/1.1, 400",
      "HTTP/1.1x, 400",
      "HTTP/1, 400",
      "HTTP/1.x, 400",
      "HTTPS/1.1, 400",
  })
  void unknownOrMalformedVersionIsRefusedWithAnHttp11StatusLine(String version, int status) throws Exception {
    assertRefused("GET / " + version + "\r\nHost: a\r\n\r\n", status);
  }

  @Test
  void http2PrefaceOnTheHttp1PortIs505AndClose() throws Exception {
    assertRefused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
  }

  @Test
  void higherMinorVersionIsServedAsHttp11() throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET /v HTTP/1.7\r\nHost: a\r\n\r\n").read();
      assertEquals("HTTP/1.1 200 OK", r.statusLine());
    }
    assertEquals("/v", app.last().uri());
  }

  // 5. Framing leniency (RFC 9112 2.2, 3, 5.2, 6)

  @ParameterizedTest
  @ValueSource(strings = {
      "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n",
      "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
      "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /\tHTTP/1.1\r\nHost: a\r\n\r\n",
      "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /  HTTP/1.1\r\nHost: a\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\t2\r\n\r\nab",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  2\r\n\r\nab",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab",
      "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
      "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n\r\n",
  })
  void lenientFramingIs400(String request) throws Exception {
    assertRefused(request, 400);
  }

  @Test
  void underscoreAliasesOfFramingHeadersNeverReachTheApp() throws Exception {
    app.answer(req -> req.body().onSuccess(b -> req.response().end("got " + b.length())));
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent_Length: 50\r\n"
          + "Transfer_Encoding: chunked\r\nX_Other: kept\r\n\r\nab").read();
      assertEquals("got 2", r.body());
    }
    var headers = app.last().headers();
    assertFalse(headers.contains("content_length"), headers.toString());
    assertFalse(headers.contains("transfer_encoding"), headers.toString());
    assertEquals("kept", headers.get("x_other"));
  }

  @Test
  void everyPipelinedHeadIsCheckedNotOnlyTheFirst() throws Exception {
    try (RawHttp c = raw()) {
      c.send("POST /one HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n"
          + "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nX: a\n"
          + "GET /three HTTP/1.1\r\nHost: a\r\nX-A: b\r\n folded\r\n\r\n"
          + "GET /four HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals(200, c.read().status());
      assertEquals(200, c.read().status());
      RawHttp.Response third = c.read();
      assertTrue(third.statusLine().startsWith("HTTP/1.1 400 "), third.statusLine());
      assertJsonError(third, 400);
      assertTrue(c.closedByPeer());
    }
    assertEquals(2, app.seen().size(), app.seen().toString());
    assertEquals("/two", app.last().uri());
  }

  // 6. Status choices

  @ParameterizedTest
  @ValueSource(ints = {33, 5000, 20000})
  void overLongMethodIs400Not414(int length) throws Exception {
    assertRefused("G".repeat(length) + " / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  }

  @Test
  void longestRegisteredMethodsPass() throws Exception {
    try (RawHttp c = raw()) {
      assertEquals(200, c.send("UPDATEREDIRECTREF /m HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
    }
    assertEquals("UPDATEREDIRECTREF", app.last().method());
  }

  @Test
  void optionsAsteriskIsForwardedAsIs() throws Exception {
    try (RawHttp c = raw()) {
      assertEquals(200, c.send("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
    }
    assertEquals("OPTIONS", app.last().method());
    assertEquals("*", app.last().uri());
  }

  @Test
  void asteriskWithAnotherMethodIs400() throws Exception {
    assertRefused("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  }

  @Test
  void refusalsAreCountedAsBadRequests() throws Exception {
    assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400);
    var proxy = sidecar.health().report().getJsonObject("proxy");
    assertEquals(1, proxy.getJsonObject("status_classes").getInteger("4xx"));
  }
}
