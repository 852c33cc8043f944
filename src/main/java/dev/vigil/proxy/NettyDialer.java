package dev.vigil.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;

/**
 * Dials upstream connections for the {@code netty} engine on one event loop: plain Netty channels
 * with Netty's HTTP/1.1 client codec, on the loop of the exchanges that use them, with Vert.x's
 * transport (epoll where available), DNS resolver and buffer allocator.
 */
final class NettyDialer {

  /** Response heads decoded straight into Vert.x's header map, which Vigil copies from. */
  private static final HttpHeadersFactory HEADERS = new HttpHeadersFactory() {
    @Override
    public HttpHeaders newHeaders() {
      return HeadersMultiMap.httpHeaders();
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
      return HeadersMultiMap.httpHeaders();
    }
  };

  private final Bootstrap bootstrap;
  private final ContextInternal context;

  NettyDialer(Vertx vertx, Context context, int connectTimeoutMs, long idleTimeoutMs, int maxHeaderSize,
            int maxChunkSize) {
    this.context = (ContextInternal) context;
    VertxInternal vx = (VertxInternal) vertx;
    HttpDecoderConfig decoder = new HttpDecoderConfig()
        .setMaxInitialLineLength(4096)
        .setMaxHeaderSize(maxHeaderSize)
        .setMaxChunkSize(maxChunkSize)
        .setHeadersFactory(HEADERS)
        .setTrailersFactory(HEADERS);
    bootstrap = new Bootstrap()
        .group(this.context.nettyEventLoop())
        .channelFactory(vx.transport().channelFactory(false))
        .resolver(vx.nameResolver().nettyAddressResolverGroup())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOCATOR, VertxByteBufAllocator.POOLED_ALLOCATOR)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (idleTimeoutMs > 0) {
              ch.pipeline().addLast(new IdleStateHandler(0, 0, idleTimeoutMs, TimeUnit.MILLISECONDS));
            }
            ch.pipeline().addLast(new HttpClientCodec(decoder, false, false));
            ch.pipeline().addLast(new NettyLink(ch, NettyDialer.this.context));
          }
        });
  }

  /** Completes on the dialer's event loop with the connection, or the reason there is none. */
  Future<NettyLink> dial(String host, int port) {
    Promise<NettyLink> promise = context.promise();
    bootstrap.connect(host, port).addListener(f -> {
      if (f.isSuccess()) {
        Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
        promise.complete(ch.pipeline().get(NettyLink.class));
      } else {
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }
}
