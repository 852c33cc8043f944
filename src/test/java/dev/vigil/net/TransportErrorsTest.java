package dev.vigil.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real failed calls (Vert.x client, real sockets) come out as plain words, not Netty's text. */
class TransportErrorsTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Throwable failureOf(int port, long timeoutMs) throws Exception {
    var client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs));
    var call = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI("/api/health").setTimeout(timeoutMs))
        .compose(req -> req.send().compose(resp -> resp.body()));
    try {
      call.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      throw new AssertionError("the call should have failed");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void refusedConnectionSaysConnectionRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Throwable error = failureOf(port, 2000);
    assertEquals("connection refused", TransportErrors.plain(error, Duration.ofSeconds(2)), String.valueOf(error));
  }

  @Test
  void silentServerSaysTimedOutAfterTheDeadline() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) { // accepts (backlog) and never answers
      Throwable error = failureOf(silent.getLocalPort(), 300);
      assertEquals("timed out after 300 ms", TransportErrors.plain(error, Duration.ofMillis(300)), String.valueOf(error));
    }
  }

  @Test
  void serverThatHangsUpSaysClosed() throws Exception {
    try (ServerSocket rude = new ServerSocket(0)) {
      Thread t = new Thread(() -> {
        try (var s = rude.accept()) {
          s.getInputStream().read(); // read a byte of the request, then hang up
        } catch (Exception ignored) {
          // the test asserts on the client's side
        }
      });
      t.start();
      Throwable error = failureOf(rude.getLocalPort(), 2000);
      t.join(5000);
      String plain = TransportErrors.plain(error, Duration.ofSeconds(2));
      assertEquals(true, plain.equals("connection closed before an answer") || plain.equals("connection reset by the app"),
          plain + " <- " + error);
    }
  }

  @Test
  void durationsReadAsPeopleWriteThem() {
    assertEquals("2 s", TransportErrors.humanize(Duration.ofSeconds(2)));
    assertEquals("1.5 s", TransportErrors.humanize(Duration.ofMillis(1500)));
    assertEquals("500 ms", TransportErrors.humanize(Duration.ofMillis(500)));
    assertEquals("10 min", TransportErrors.humanize(Duration.ofMinutes(10)));
    assertEquals("answered 503", TransportErrors.answered(503));
  }
}
