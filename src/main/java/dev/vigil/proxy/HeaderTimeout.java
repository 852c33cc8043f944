package dev.vigil.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Closes connections whose request head does not arrive completely within the header timeout
 * (slowloris). Vert.x has no such timeout, and its idle timeout is reset by every trickled byte,
 * so this watches the Netty pipeline on both sides of the HTTP decoder: raw bytes arriving while
 * no request is being read start the clock; a decoded request head stops it.
 *
 * <p>This is the proxy's one reach into Vert.x internals: {@code io.vertx.core.net.impl.ConnectionBase}
 * for the Netty channel, and the pipeline handler names {@code httpDecoder} and {@code handler}.
 * {@code HeaderTimeoutInternalsTest} fails loudly when a Vert.x upgrade changes either, instead
 * of the timeout silently not being installed.
 */
final class HeaderTimeout {

  private final long timeoutMs;
  private final long timeoutNanos;
  private long headStartNanos;
  private ScheduledFuture<?> deadline;
  private boolean readingHead;
  private int headsDecoded;
  private int bodiesDone;
  private int responsesDone;

  private HeaderTimeout(long timeoutMs) {
    this.timeoutMs = timeoutMs;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
  }

  /**
   * Installs the watch on an HTTP/1.x server connection; returns false (and does nothing) when the
   * connection is not the expected Netty pipeline, e.g. HTTP/2.
   */
  static boolean install(HttpConnection connection, long timeoutMs) {
    if (!(connection instanceof ConnectionBase base)) {
      return false;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    if (pipeline.get("httpDecoder") == null || pipeline.get("handler") == null) {
      return false;
    }
    HeaderTimeout watch = new HeaderTimeout(timeoutMs);
    pipeline.addBefore("httpDecoder", "vigilHeadBytes", watch.new BytesSide());
    pipeline.addBefore("handler", "vigilHeadMessages", watch.new MessageSide());
    return true;
  }

  /**
   * Starts the clock for a request head. The scheduled check is not cancelled when the head
   * arrives (that would cost a timer-queue insert and removal per request); it re-arms itself
   * lazily instead, so a busy keep-alive connection costs one clock read per request.
   */
  /** Removes the watch, e.g. once a connection became a tunnel and carries no more HTTP heads. */
  static void uninstall(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelPipeline pipeline = base.channel().pipeline();
      if (pipeline.get("vigilHeadBytes") instanceof HeaderTimeout.BytesSide bytes) {
        bytes.owner().cancel();
        pipeline.remove("vigilHeadBytes");
      }
      if (pipeline.get("vigilHeadMessages") != null) {
        pipeline.remove("vigilHeadMessages");
      }
    }
  }

  private void arm(ChannelHandlerContext ctx) {
    readingHead = true;
    headStartNanos = System.nanoTime();
    if (deadline == null) {
      schedule(ctx, timeoutNanos);
    }
  }

  private void disarm() {
    readingHead = false;
  }

  private void schedule(ChannelHandlerContext ctx, long delayNanos) {
    deadline = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void check(ChannelHandlerContext ctx) {
    deadline = null;
    if (!readingHead || !ctx.channel().isActive()) {
      return;
    }
    long left = headStartNanos + timeoutNanos - System.nanoTime();
    if (left > 0) {
      schedule(ctx, left);
      return;
    }
    if (headsDecoded == responsesDone) {
      // No response is on the wire, so a complete 408 can be written below the HTTP encoder.
      byte[] body = ErrorReply.body(408, "request header not received within " + timeoutMs + " ms").getBytes();
      String head = "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: "
          + body.length + "\r\nconnection: close\r\n\r\n";
      ByteBuf out = Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body);
      ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }

  private void cancel() {
    readingHead = false;
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  /** Sits before the HTTP decoder: sees raw bytes. */
  private final class BytesSide extends ChannelInboundHandlerAdapter {

    HeaderTimeout owner() {
      return HeaderTimeout.this;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      arm(ctx); // a connection that sends nothing at all is also held to the timeout
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!readingHead && msg instanceof ByteBuf buf && buf.isReadable() && headsDecoded == bodiesDone) {
        arm(ctx);
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      cancel();
      ctx.fireChannelInactive();
    }
  }

  /** Sits after the HTTP codec: sees decoded request heads inbound and response ends outbound. */
  private final class MessageSide extends ChannelDuplexHandler {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        headsDecoded++;
        disarm();
      }
      if (msg instanceof LastHttpContent) {
        bodiesDone++;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof LastHttpContent) {
        responsesDone++;
      }
      ctx.write(msg, promise);
    }
  }
}
