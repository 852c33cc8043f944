package dev.vigil.testing;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP app for proxy tests, on a random port. It logs every request head the moment it
 * arrives (so a test can prove that nothing reached it) and lets each test script the answer.
 */
public final class TestUpstream implements AutoCloseable {

  /** A request head as the app saw it. */
  public record Seen(String method, String uri, MultiMap headers) {
  }

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile Handler<HttpServerRequest> handler = req -> req.response().end("ok");

  public TestUpstream(Vertx vertx) throws Exception {
    server = vertx.createHttpServer()
        .requestHandler(req -> {
          if ("vigil-probe".equals(req.getHeader("user-agent"))) {
            req.response().end("{}"); // Vigil's own health check: not traffic
            return;
          }
          seen.add(new Seen(req.method().name(), req.uri(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers())));
          handler.handle(req);
        })
        .webSocketHandler(ws -> {
          seen.add(new Seen("WEBSOCKET", ws.uri(), MultiMap.caseInsensitiveMultiMap().addAll(ws.headers())));
          ws.textMessageHandler(ws::writeTextMessage); // echo
          ws.binaryMessageHandler(ws::writeBinaryMessage);
        })
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  public TestUpstream answer(Handler<HttpServerRequest> h) {
    this.handler = h;
    return this;
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public List<Seen> seen() {
    return seen;
  }

  public Seen last() {
    return seen.isEmpty() ? null : seen.get(seen.size() - 1);
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
