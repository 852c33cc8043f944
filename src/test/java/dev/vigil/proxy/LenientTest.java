package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RawHttp;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code proxy.lenient: true} relaxes the SHOULD-level rules only; the MUST-level ones still hold. */
class LenientTest extends ProxyTestBase {

  @BeforeEach
  void start() throws Exception {
    startVigil(Map.of("proxy.lenient", "true"));
  }

  @Test
  void foldedHeaderIsUnfoldedBeforeTheApp() throws Exception {
    try (RawHttp c = raw()) {
      assertEquals(200, c.send("GET /f HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n").read().status());
    }
    assertEquals("b c", app.last().headers().get("x-a"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\r\nGET /l HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET\t/l HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET  /l \tHTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /l HTTP/1.1\r\nHost: a\r\nContent-Length:\t 0\r\n\r\n",
  })
  void shouldLevelLeniencyIsAccepted(String request) throws Exception {
    try (RawHttp c = raw()) {
      assertEquals(200, c.send(request).read().status());
    }
    assertEquals("/l", app.last().uri());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET /caf\u00c3\u00a9 HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET / http/1.1\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n 0\r\n\r\nab",
  })
  void mustLevelRulesStillHold(String request) throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send(request).read();
      assertJsonError(r, 400);
      assertTrue(c.closedByPeer());
    }
    assertTrue(app.seen().isEmpty(), app.seen().toString());
  }
}
