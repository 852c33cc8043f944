package dev.vigil.memory;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A small application on a free port whose paths the test defines. */
final class TestApp {

  private final Map<String, Handler<HttpServerRequest>> routes = new ConcurrentHashMap<>();
  private HttpServer server;

  TestApp route(String path, Handler<HttpServerRequest> handler) {
    routes.put(path, handler);
    return this;
  }

  /** Answers {@code body} with {@code contentType} and status 200. */
  TestApp fixed(String path, String contentType, String body) {
    return route(path, req -> req.response().putHeader("content-type", contentType).end(body));
  }

  Future<TestApp> start(Vertx vertx) {
    return vertx.createHttpServer()
        .requestHandler(req -> {
          Handler<HttpServerRequest> h = routes.get(req.path());
          if (h == null) {
            req.response().setStatusCode(404).end("no such path");
          } else {
            h.handle(req);
          }
        })
        .listen(0, "127.0.0.1")
        .map(s -> {
          server = s;
          return this;
        });
  }

  URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.actualPort() + path);
  }

  Future<Void> close() {
    return server.close();
  }
}
