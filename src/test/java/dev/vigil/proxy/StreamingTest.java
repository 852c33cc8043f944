package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Bodies and events reach the client piece by piece, and upgrades become a tunnel. */
class StreamingTest extends ProxyTestBase {

  @Test
  void clientReadsTheFirstChunkBeforeTheAppSendsTheLast() throws Exception {
    startVigil(Map.of());
    Promise<Void> firstChunkSeen = Promise.promise();
    app.answer(req -> {
      var resp = req.response().setChunked(true);
      resp.write("first\n");
      // The last chunk is sent only after the client has read the first one through the proxy.
      firstChunkSeen.future().onComplete(v -> resp.end("last\n"));
    });
    HttpClient client = vertx.createHttpClient();
    List<String> chunks = new CopyOnWriteArrayList<>();
    Promise<Void> ended = Promise.promise();
    client.request(HttpMethod.GET, port, "127.0.0.1", "/stream")
        .compose(r -> r.send().onSuccess(answer -> {
          answer.handler(b -> {
            chunks.add(b.toString());
            firstChunkSeen.tryComplete();
          });
          answer.endHandler(v -> ended.complete());
        })).await(10, TimeUnit.SECONDS);
    ended.future().await(10, TimeUnit.SECONDS);
    assertEquals("first\n", chunks.get(0));
    assertEquals("first\nlast\n", String.join("", chunks));
  }

  @Test
  void serverSentEventsArriveOneByOne() throws Exception {
    startVigil(Map.of());
    app.answer(req -> {
      var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
      int[] n = {0};
      vertx.setPeriodic(50, id -> {
        if (++n[0] > 3) {
          vertx.cancelTimer(id);
          resp.end();
        } else {
          resp.write("data: " + n[0] + "\n\n");
        }
      });
    });
    HttpClient client = vertx.createHttpClient();
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    List<String> events = new CopyOnWriteArrayList<>();
    Promise<Void> ended = Promise.promise();
    HttpClientResponse resp = client.request(HttpMethod.GET, port, "127.0.0.1", "/events")
        .compose(r -> r.send().onSuccess(answer -> {
          // Handlers set on the event loop, before any body can arrive.
          answer.handler(b -> {
            arrivals.add(System.nanoTime());
            events.add(b.toString());
          });
          answer.endHandler(v -> ended.complete());
        })).await(10, TimeUnit.SECONDS);
    assertEquals("text/event-stream", resp.getHeader("content-type"));
    ended.future().await(10, TimeUnit.SECONDS);
    assertEquals("data: 1\n\ndata: 2\n\ndata: 3\n\n", String.join("", events));
    assertTrue(arrivals.size() >= 3, "events were not coalesced into one read: " + events);
  }

  @Test
  void webSocketUpgradesAreTunnelled() throws Exception {
    startVigil(Map.of());
    WebSocketClient ws = vertx.createWebSocketClient();
    var socket = ws.connect(new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1").setURI("/ws"))
        .await(10, TimeUnit.SECONDS);
    Promise<String> echo = Promise.promise();
    socket.textMessageHandler(echo::tryComplete);
    socket.writeTextMessage("hello through vigil");
    assertEquals("hello through vigil", echo.future().await(10, TimeUnit.SECONDS));
    Promise<Buffer> binary = Promise.promise();
    socket.binaryMessageHandler(binary::tryComplete);
    socket.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
    assertEquals(3, binary.future().await(10, TimeUnit.SECONDS).length());
    socket.close().await(10, TimeUnit.SECONDS);
    assertEquals("WEBSOCKET", app.last().method());
  }
}
