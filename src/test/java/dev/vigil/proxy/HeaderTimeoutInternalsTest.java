package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Guards {@link HeaderTimeout}'s use of Vert.x internals ({@code ConnectionBase} and the HTTP/1
 * pipeline's handler names): on a plain HTTP/1.1 server connection it must install, and a head
 * that never completes must be cut off. A Vert.x upgrade that breaks either fails here by name.
 */
@ExtendWith(VertxExtension.class)
class HeaderTimeoutInternalsTest {

  @Test
  void installsOnAnHttp1ConnectionAndCutsOffAnUnfinishedHead(Vertx vertx) throws Exception {
    CompletableFuture<Boolean> installed = new CompletableFuture<>();
    // As the proxy listener: no h2c sniffing, so the HTTP/1 connection exists before the first head.
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
        .connectionHandler(c -> {
          try {
            installed.complete(HeaderTimeout.install(c, 300));
          } catch (RuntimeException | LinkageError e) {
            installed.completeExceptionally(e);
          }
        })
        .requestHandler(req -> req.response().end("ok"));
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: a\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertTrue(installed.get(10, TimeUnit.SECONDS), "Vert.x upgrade: HeaderTimeout.install found no "
          + "io.vertx.core.net.impl.ConnectionBase or no 'httpDecoder'/'handler' in the pipeline; "
          + "the slowloris header timeout is off");
      InputStream in = socket.getInputStream();
      long start = System.nanoTime();
      while (in.read() != -1) {
        // drain the 408 answer until the server closes the connection
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(tookMs < 5_000, "unfinished head closed after " + tookMs + " ms (timeout 300 ms)");
    } finally {
      server.close().await(10, TimeUnit.SECONDS);
    }
  }
}
