package dev.vigil.proxy;

import dev.vigil.metrics.Rejection;
import dev.vigil.config.VigilConfig;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;

/**
 * The proxy listener on one event loop. Deployed once per loop; Vert.x spreads accepted
 * connections across the instances, and each has its own share of the upstream pool so that a
 * request and its upstream connection stay on the same thread.
 */
public final class ProxyVerticle extends VerticleBase {

  private final VigilConfig config;
  private final ProxyRuntime runtime;
  private final int instances;
  private HttpServer server;
  private HttpClientAgent client;
  private UpstreamPools upstreamPools;
  private long sweeper = -1;

  public ProxyVerticle(VigilConfig config, ProxyRuntime runtime, int instances) {
    this.config = config;
    this.runtime = runtime;
    this.instances = instances;
  }

  @Override
  public Future<?> start() {
    var pool = config.upstream().pool();
    ProxySettings settings = ProxySettings.from(config);
    // Vert.x's own pool is bypassed (see UpstreamPool); the client only dials and frames HTTP/1.1.
    client = vertx.createHttpClient(new HttpClientOptions()
        .setKeepAlive(true)
        .setTcpNoDelay(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.connectTimeoutMs()))
        .setIdleTimeout((int) config.proxy().idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxHeaderSize(64 * 1024)
        .setMaxChunkSize(BODY_CHUNK)
        .setName("vigil-upstream"));
    // One pool per target on this loop: a recycle switches the target and the old pool retires.
    runtime.target().initialize(settings.upstreamHost(), settings.upstreamPort());
    // upstream.engine: netty dials its own connections; an https:// upstream keeps Vert.x's client (TLS).
    NettyDialer dialer = config.upstream().engine().equals("netty") && !settings.upstreamSsl()
        ? new NettyDialer(vertx, context, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeoutMs()),
            config.proxy().idleTimeout().toMillis(), 64 * 1024, BODY_CHUNK)
        : null;
    upstreamPools = new UpstreamPools(runtime.target(), client, dialer, settings.upstreamSsl(),
        (c, d, options, target) -> new UpstreamPool(c, d, options, share(pool.maxSize()),
            share(pool.waitQueue()), pool.idleTimeout().toMillis(), pool.maxLifetime().toMillis(), target.counter()),
        runtime, context);
    upstreamPools.start(vertx, UpstreamPool.tickMs(pool.idleTimeout().toMillis()));
    ExchangeObserver observer = runtime.newObserver();
    ProxyHandler handler = new ProxyHandler(vertx, upstreamPools, settings, runtime.inFlightCounter(),
        runtime.overloaded(), runtime.admission(), observer, runtime.admin(), runtime.gate());
    sweeper = handler.startTimers();
    long headerTimeoutMs = config.proxy().headerTimeout().toMillis();
    server = vertx.createHttpServer(serverOptions(config))
        .connectionHandler(connection -> {
          HeaderTimeout.install(connection, headerTimeoutMs);
          StrictHead.install(connection, settings.lenient());
        })
        .invalidRequestHandler(request -> invalidRequest(request, observer))
        .requestHandler(handler);
    return server.listen(config.listen().port(), config.listen().host());
  }

  /** Stops accepting, lets in-flight requests finish for up to the drain timeout, then closes. */
  @Override
  public Future<?> stop() {
    long drainMs = config.lifecycle().drainTimeout().toMillis();
    return server.shutdown(drainMs, TimeUnit.MILLISECONDS).eventually(() -> {
      vertx.cancelTimer(sweeper);
      upstreamPools.close(vertx);
      return client.close();
    });
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private int share(int total) {
    return total == 0 ? 0 : Math.max(1, (total + instances - 1) / instances);
  }

  /**
   * Largest body piece the HTTP decoders hand over (Vert.x's default is 8 KiB). Each piece is one
   * write and one flush on the other side, so a 16 KiB answer took at least two; a piece is a
   * slice of what one socket read returned, never a copy, so a larger limit holds no more memory.
   */
  static final int BODY_CHUNK = 64 * 1024;

  static HttpServerOptions serverOptions(VigilConfig config) {
    int maxHeader = config.proxy().maxHeaderSize();
    return new HttpServerOptions()
        .setMaxHeaderSize(maxHeader)
        .setMaxInitialLineLength(Math.max(4096, maxHeader))
        .setHandle100ContinueAutomatically(false)
        // HTTP/1.1 only: with h2c sniffing on, Vert.x builds the HTTP/1 pipeline (and calls the
        // connection handler that installs the header timeout) only after the first full head.
        .setHttp2ClearTextEnabled(false)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setMaxChunkSize(BODY_CHUNK)
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setIdleTimeout((int) config.proxy().idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /** Requests the HTTP decoder refused (too long, smuggling shapes, bad framing): JSON error, then close. */
  static void invalidRequest(HttpServerRequest request, ExchangeObserver observer) {
    long start = System.nanoTime();
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof io.netty.handler.codec.PrematureChannelClosureException) {
      return; // the client hung up mid-head: nobody to answer, nothing to count
    }
    int status;
    String message;
    Rejection rejection;
    if (cause instanceof StrictHead.Violation violation) {
      status = violation.status;
      message = violation.getMessage();
      rejection = Rejection.BAD_REQUEST;
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      message = "request header block too large";
      rejection = Rejection.TOO_LARGE;
    } else if (cause instanceof TooLongHttpLineException) {
      status = 414;
      message = "request line too long";
      rejection = Rejection.TOO_LARGE;
    } else {
      status = 400;
      message = "malformed request" + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : "");
      rejection = Rejection.BAD_REQUEST;
    }
    String method = request.method() == null ? "UNKNOWN" : request.method().name();
    String path = request.path();
    observer.onExchange(method, path == null ? "" : path, status, System.nanoTime() - start, 0,
        ErrorReply.length(status, message), RequestIds.generate(), rejection);
    ErrorReply.send(request, status, message, true);
  }
}
