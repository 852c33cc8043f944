package dev.vigil.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.internal.ContextInternal;

/**
 * One upstream HTTP/1.1 connection driven at the Netty level (the {@code netty} engine): Netty's
 * client codec frames the messages, and this handler passes them to the exchange that leased the
 * connection, on the same event loop, without Vert.x's client request and response objects.
 * Idle connections have no listener; anything the app sends then ends the connection.
 */
final class NettyLink extends ChannelInboundHandlerAdapter {

  /** The exchange using the connection. */
  interface Listener {
    void linkHead(HttpResponse head);

    /** Takes over {@code content} (must release it); {@code last} ends the answer. */
    void linkContent(HttpContent content, boolean last);

    void linkFailed(Throwable cause);

    void linkWritable();
  }

  final Channel channel;
  /**
   * The verticle's context, made current around every call into an exchange, as Vert.x does for
   * its own connections: what the exchange starts from there (a timer, a hold in the gate) then
   * runs on this event loop, not on a context Vert.x would make up for a bare Netty callback.
   */
  private final ContextInternal context;
  private Listener listener;
  private Runnable closeHandler;
  private boolean paused;
  private boolean interim; // a 1xx answer (other than 101) is being skipped

  NettyLink(Channel channel, ContextInternal context) {
    this.channel = channel;
    this.context = context;
  }

  void closeHandler(Runnable handler) {
    closeHandler = handler;
  }

  /** Leases the connection to {@code l}; null when it goes back to the pool or is given up. */
  void listener(Listener l) {
    listener = l;
    interim = false;
    reading(true); // a connection paused for a slow client goes back reading
  }

  void writeHead(HttpRequest head) {
    channel.write(head, channel.voidPromise());
  }

  /** A whole request without a body, in one write (one buffer on the wire). */
  void writeWhole(FullHttpRequest request) {
    channel.writeAndFlush(request, channel.voidPromise());
  }

  /** A piece of the request body: written and flushed (the body streams). */
  void writeBody(ByteBuf chunk) {
    channel.writeAndFlush(new DefaultHttpContent(chunk), channel.voidPromise());
  }

  void endRequest() {
    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
  }

  /** Open and connected: a connection the app closed can be seen closed before its close event ran. */
  boolean active() {
    return channel.isActive();
  }

  boolean writeQueueFull() {
    return !channel.isWritable();
  }

  /** Reads from the app, or stops reading (back-pressure from a slow client). */
  void reading(boolean on) {
    if (paused == on) {
      paused = !on;
      channel.config().setAutoRead(on);
    }
  }

  void close() {
    channel.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ContextInternal prev = context.beginDispatch();
    try {
      read(msg);
    } finally {
      context.endDispatch(prev);
    }
  }

  private void read(Object msg) {
    Listener l = listener;
    if (l == null) {
      ReferenceCountUtil.release(msg);
      channel.close(); // an answer nobody asked for: the connection is out of step
      return;
    }
    if (msg instanceof HttpResponse head) {
      int code = head.status().code();
      if (code >= 100 && code < 200 && code != 101) {
        interim = true; // 100 Continue, 103 Early Hints: Vigil does not relay interim answers
      } else {
        l.linkHead(head);
      }
    }
    if (msg instanceof HttpContent content) {
      if (interim) {
        content.release();
        if (content instanceof LastHttpContent) {
          interim = false;
        }
        return;
      }
      l.linkContent(content, content instanceof LastHttpContent);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Listener l = listener;
    if (l != null && channel.isWritable()) {
      ContextInternal prev = context.beginDispatch();
      try {
        l.linkWritable();
      } finally {
        context.endDispatch(prev);
      }
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent) {
      channel.close(); // proxy.idleTimeout without a byte either way, as Vert.x's client does
    }
    ReferenceCountUtil.release(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Listener l = listener;
    listener = null;
    channel.close();
    if (l != null) {
      // Later, not now: a failed write (voidPromise) lands here from inside the exchange's own
      // call to write, which must not see its failure (and retry) before that call returned.
      ctx.executor().execute(() -> failed(l, cause));
    }
  }

  private void failed(Listener l, Throwable cause) {
    ContextInternal prev = context.beginDispatch();
    try {
      l.linkFailed(cause);
    } finally {
      context.endDispatch(prev);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Listener l = listener;
    listener = null;
    if (l != null) {
      failed(l, new HttpClosedException("Connection was closed"));
    }
    if (closeHandler != null) {
      closeHandler.run();
    }
  }
}
