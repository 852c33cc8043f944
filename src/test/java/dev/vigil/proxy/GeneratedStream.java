package dev.vigil.proxy;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** A flow-controlled stream of {@code size} bytes made from one reused chunk, for upload tests. */
final class GeneratedStream implements ReadStream<Buffer> {

  private final Vertx vertx;
  private final Buffer chunk;
  private long left;
  private long demand = Long.MAX_VALUE;
  private boolean scheduled;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;

  GeneratedStream(Vertx vertx, long size, Buffer chunk) {
    this.vertx = vertx;
    this.left = size;
    this.chunk = chunk;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> h) {
    this.handler = h;
    schedule();
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    demand = 0;
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    demand = amount == Long.MAX_VALUE || demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    schedule();
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> h) {
    this.endHandler = h;
    return this;
  }

  private void schedule() {
    if (!scheduled && handler != null) {
      scheduled = true;
      vertx.runOnContext(v -> emit());
    }
  }

  private void emit() {
    scheduled = false;
    int burst = 0;
    while (left > 0 && demand > 0 && burst++ < 16) {
      int n = (int) Math.min(chunk.length(), left);
      left -= n;
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handler.handle(n == chunk.length() ? chunk : chunk.slice(0, n));
    }
    if (left == 0) {
      if (endHandler != null) {
        Handler<Void> h = endHandler;
        endHandler = null;
        h.handle(null);
      }
    } else if (demand > 0) {
      schedule();
    }
  }
}
