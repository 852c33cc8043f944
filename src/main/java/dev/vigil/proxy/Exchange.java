package dev.vigil.proxy;

import dev.vigil.app.HoldGate;
import dev.vigil.app.HoldRejectedException;
import dev.vigil.metrics.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.buffer.BufferInternal;
import io.netty.util.AsciiString;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request forwarded to the app and its answer streamed back, both with back-pressure: a
 * full write queue on one side pauses the other. All callbacks run on the request's event loop,
 * so the fields need no synchronization.
 */
final class Exchange extends Deadlines.Entry implements UpstreamPool.Waiter, NettyLink.Listener {

  private static final AttributeKey<String> PEER = AttributeKey.valueOf("vigil.peer");
  private static final AsciiString EXPECT = AsciiString.cached("expect");
  private static final AsciiString HOST = AsciiString.cached("host");
  private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
  /** Request headers not copied as they came: Expect is answered here, the request id is Vigil's. */
  private static final AsciiString[] NOT_COPIED = {EXPECT, REQUEST_ID};
  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("x-forwarded-for");
  private static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("x-forwarded-proto");
  private static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("x-forwarded-host");
  private static final CharSequence HTTP = HttpHeaders.createOptimized("http");
  private static final CharSequence HTTPS = HttpHeaders.createOptimized("https");
  /** Run mode: after a refused connection with the gate still open, ask again after this pause. */
  private static final long RECHECK_MS = 50;

  private final UpstreamPools pools;
  private UpstreamPool pool; // chosen when forwarded: a request that waited goes to the target of then
  private final ProxySettings settings;
  private final AtomicInteger inFlight;
  private final ExchangeObserver observer;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final String forwardUri;
  private final long start;
  private final String requestId;
  private final Deadlines deadlines;
  private final Hold hold;

  private UpstreamPool.Conn lease;
  private HttpClientRequest upstream; // the attempt in flight on Vert.x's client, or
  private NettyLink link;               // on the netty engine's connection
  private int status;                 // the app's, once its head came (netty engine)
  private boolean appCloses;          // the app's answer ends its connection (netty engine)
  private boolean requestSent;
  private boolean retried;
  private long bytesIn;
  private boolean closeAfterResponse;
  private boolean finished;
  // Run mode only: the wait for the app (see waitForApp()).
  private HoldGate.Hold waiting;
  private long retryTimer = -1;
  private long holdDeadline;
  private long retryAfterSeconds = 1;

  /**
   * Run mode ({@code vigil run}): the gate requests wait in while the app is not up, and the timers
   * for the moment between a child's death and the supervisor seeing it.
   */
  record Hold(Vertx vertx, HoldGate gate) {
  }

  /** @param hold run mode's gate, or null in sidecar mode */
  Exchange(UpstreamPools pools, ProxySettings settings, AtomicInteger inFlight, ExchangeObserver observer,
           Deadlines deadlines, HttpServerRequest request, String forwardUri, long start, Hold hold) {
    this.deadlines = deadlines;
    this.hold = hold;
    this.pools = pools;
    this.settings = settings;
    this.inFlight = inFlight;
    this.observer = observer;
    this.request = request;
    this.response = request.response();
    this.forwardUri = forwardUri;
    this.start = start;
    this.requestId = RequestIds.of(request);
  }

  void start() {
    request.pause();
    response.closeHandler(v -> clientGone());
    if (hold != null && !hold.gate().isOpen()) {
      waitForApp(); // still paused: the body stays in the client's socket while the request waits
      return;
    }
    forward(start);
  }

  /** Asks the app; {@code proxy.requestTimeout} counts from {@code from} (arrival, or the end of a wait). */
  private void forward(long from) {
    deadlines.add(this, from + settings.requestTimeoutMs() * 1_000_000L);
    pool = pool(); // a request that waited (admission, hold) goes to the target of now
    pool.acquire(this);
  }

  /** Upgrades (WebSocket) go through Vert.x's client, whose connections can become tunnels. */
  private UpstreamPool pool() {
    return request.headers().contains(HttpHeaders.UPGRADE) ? pools.forUpgrade() : pools.current();
  }

  /**
   * Run mode: no healthy child is there (not started yet, restarting, or it just died and refused
   * the connection). Waits in the gate until the app is up again, at most {@code app.hold.timeout}
   * in all, then forwards. The gate can still be open for a moment after a death (the supervisor has
   * not seen the exit yet): then it asks again after a short pause, within the same bound.
   */
  private void waitForApp() {
    deadlines.remove(this); // the request timeout counts from when the app can be asked
    long now = System.nanoTime();
    if (holdDeadline == 0) {
      holdDeadline = now + hold.gate().timeout().toNanos();
    }
    if (now - holdDeadline >= 0) {
      held503(HoldRejectedException.Reason.TIMEOUT, "the app did not come back within "
          + hold.gate().timeout().toMillis() + " ms (app.hold.timeout)", hold.gate().retryAfterSeconds());
      return;
    }
    if (hold.gate().isOpen()) {
      retryTimer = hold.vertx().setTimer(RECHECK_MS, id -> {
        retryTimer = -1;
        if (finished) {
          return;
        }
        if (hold.gate().isOpen()) {
          forward(System.nanoTime()); // still open: the app is up (again), ask it
        } else {
          waitForApp();
        }
      });
      return;
    }
    HoldGate.Hold h = hold.gate().enter();
    waiting = h;
    h.future().onComplete(ar -> {
      waiting = null;
      if (finished) {
        return;
      }
      if (ar.succeeded()) {
        forward(System.nanoTime());
      } else if (ar.cause() instanceof HoldRejectedException e) {
        held503(e.reason(), e.getMessage(), e.retryAfterSeconds());
      }
    });
  }

  private void held503(HoldRejectedException.Reason reason, String message, long retryAfter) {
    retryAfterSeconds = retryAfter;
    fail(503, message, reason == HoldRejectedException.Reason.TIMEOUT ? Rejection.TIMEOUT : Rejection.OVERLOADED);
    abandonUpstream();
  }

  @Override
  public void leased(UpstreamPool.Conn conn) {
    if (finished) {
      pool.release(conn, true); // timed out or the client left while we waited
      return;
    }
    lease = conn;
    conn.leases++;
    if (conn.link != null) {
      send(conn.link);
      return;
    }
    conn.connection.request(conn.requestOptions.setMethod(request.method()).setURI(forwardUri))
        .onComplete(this::connected);
  }

  @Override
  public void leaseFailed(Throwable cause) {
    upstreamFailed(cause);
  }

  private void connected(AsyncResult<HttpClientRequest> ar) {
    if (ar.failed()) {
      upstreamFailed(ar.cause());
      return;
    }
    HttpClientRequest up = ar.result();
    if (finished) {
      up.reset(); // timed out or the client left while the request was being created
      releaseUpstream(false);
      return;
    }
    upstream = up;
    copyRequestHeaders(up.headers());
    if (request.headers().contains(HttpHeaders.UPGRADE) && request.canUpgradeToWebSocket()) {
      tunnel(up);
      return;
    }
    // Callbacks of an attempt that was retried (see retryable()) are stale: ignore them.
    up.exceptionHandler(t -> {
      if (up == upstream) {
        upstreamFailed(t);
      }
    });
    up.response().onComplete(answer -> {
      if (up == upstream) {
        responded(answer);
      }
    });
    up.drainHandler(v -> request.resume());
    if (retried) {
      // A retry (see retryable()): the request has no body and its end was read the first time.
      requestSent = true;
      up.end();
      return;
    }

    String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null) {
      up.putHeader(HttpHeaders.CONTENT_LENGTH, contentLength);
    } else if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      up.setChunked(true);
    }
    request.handler(this::requestChunk);
    request.endHandler(v -> {
      if (!finished) {
        requestSent = true;
        up.end();
      }
    });
    request.exceptionHandler(t -> clientGone());
    continueIfAsked();
    request.resume();
  }

  /** The netty engine: the request head and body written straight to the app's Netty channel. */
  private void send(NettyLink l) {
    link = l;
    l.listener(this);
    HeadersMultiMap out = HeadersMultiMap.httpHeaders();
    copyRequestHeaders(out);
    var method = io.netty.handler.codec.http.HttpMethod.valueOf(request.method().name()); // a constant when standard
    if (retried || !ProxyHandler.hasBody(request)) {
      // No body (or a retry, which has none): the whole request in one write, sent now.
      if (!retried && request.getHeader(HttpHeaders.CONTENT_LENGTH) != null) {
        out.set(HttpHeaders.CONTENT_LENGTH, HttpHeaders.createOptimized("0"));
      }
      requestSent = true;
      if (!retried) {
        request.exceptionHandler(t -> clientGone());
        request.resume(); // Vert.x reads its end now (a retry needs it read), and then the next request
        if (finished) {
          return; // the client left meanwhile
        }
      }
      l.writeWhole(new DefaultFullHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, method, forwardUri,
          Unpooled.EMPTY_BUFFER, out, EmptyHttpHeaders.INSTANCE));
      return;
    }
    String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null) {
      out.set(HttpHeaders.CONTENT_LENGTH, contentLength);
    } else {
      out.set(HttpHeaders.TRANSFER_ENCODING, HttpHeaders.CHUNKED);
    }
    l.writeHead(new DefaultHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, method, forwardUri, out));
    request.handler(this::requestChunk);
    request.endHandler(v -> {
      if (!finished && link == l) {
        requestSent = true;
        l.endRequest();
      }
    });
    request.exceptionHandler(t -> clientGone());
    continueIfAsked();
    request.resume();
  }

  private void continueIfAsked() {
    if (request.version() != HttpVersion.HTTP_1_0 && !request.isEnded()
        && request.headers().contains(HttpHeaders.EXPECT)) {
      // Only 100-continue gets this far (ProxyHandler answers 417 to any other expectation), and
      // the body size was checked; an HTTP/1.0 client gets no 1xx (RFC 9110 10.1.1, 15.2).
      response.writeContinue();
    }
  }

  @Override
  public void linkHead(HttpResponse head) {
    if (finished) {
      return;
    }
    cancelTimer();
    status = head.status().code();
    MultiMap answerHeaders = (HeadersMultiMap) head.headers(); // NettyDialer decodes into Vert.x's map
    startAnswer(status, head.status().reasonPhrase(), answerHeaders);
    appCloses = closes(head.protocolVersion() == io.netty.handler.codec.http.HttpVersion.HTTP_1_0,
        answerHeaders.get(HttpHeaders.CONNECTION));
    NettyLink l = link;
    response.drainHandler(v -> {
      if (link == l) {
        l.reading(true);
      }
    });
  }

  @Override
  public void linkContent(HttpContent content, boolean last) {
    ByteBuf data = content.content();
    if (finished || status == 0 || (!last && !data.isReadable())) {
      content.release();
      return;
    }
    // The pooled read buffer itself goes to the client (no copy); Vert.x wraps it so that its
    // write does not release it, so it is released here once written (or the write failed).
    Buffer chunk = BufferInternal.buffer(data);
    if (!last) {
      response.write(chunk).onComplete(done -> data.release());
      if (response.writeQueueFull()) {
        link.reading(false);
      }
      return;
    }
    int answered = status;
    // The app's side is done: its connection can serve the next request while ours flushes.
    releaseUpstream(requestSent && !appCloses);
    // An answer read whole (the usual small one) goes out as one message: head and body in one write.
    (data.isReadable() ? response.end(chunk) : response.end()).onComplete(done -> {
      data.release();
      if (closeAfterResponse) {
        request.connection().close();
      }
      finish(answered, null);
    });
  }

  @Override
  public void linkFailed(Throwable cause) {
    if (status != 0 && !finished) {
      // The app broke off mid-body; the head is out, so only a reset tells the client.
      link = null;
      releaseUpstream(false);
      response.reset();
      finish(502, Rejection.UPSTREAM_ERROR);
      return;
    }
    upstreamFailed(cause);
  }

  @Override
  public void linkWritable() {
    if (!finished) {
      request.resume();
    }
  }

  private void copyRequestHeaders(MultiMap out) {
    HopByHop.copyRequest(request.headers(), out, NOT_COPIED);
    out.set(REQUEST_ID, requestId);
    String host = request.getHeader(HOST);
    if (settings.rewriteHost() || host == null) {
      out.set(HOST, settings.upstreamAuthority());
    }
    String peer = peer(request);
    if (peer != null) {
      String prior = request.getHeader(X_FORWARDED_FOR);
      out.set(X_FORWARDED_FOR, prior == null || prior.isBlank() ? peer : prior + ", " + peer);
    }
    if (!out.contains(X_FORWARDED_PROTO)) {
      out.set(X_FORWARDED_PROTO, request.isSSL() ? HTTPS : HTTP);
    }
    if (host != null && !out.contains(X_FORWARDED_HOST)) {
      out.set(X_FORWARDED_HOST, host);
    }
  }

  /**
   * The client's address as text, worked out once per connection (a channel attribute) rather than
   * formatted again for every request on a keep-alive connection.
   */
  private static String peer(HttpServerRequest request) {
    if (!(request.connection() instanceof ConnectionBase base)) {
      return request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    }
    Attribute<String> cached = base.channel().attr(PEER);
    String peer = cached.get();
    if (peer == null && request.remoteAddress() != null) {
      peer = request.remoteAddress().hostAddress();
      cached.set(peer);
    }
    return peer;
  }

  private void requestChunk(Buffer chunk) {
    if (finished) {
      return;
    }
    bytesIn += chunk.length();
    if (bytesIn > settings.maxBodySize()) {
      // Only chunked bodies get here (a declared length is checked up front): stop the upload and
      // abort the upstream request so the app never sees a complete request (answer first, so
      // the reset's own failure callback finds the exchange finished).
      fail(413, "request body larger than " + settings.maxBodySize() + " bytes", Rejection.TOO_LARGE);
      abandonUpstream();
      return;
    }
    if (link != null) {
      link.writeBody(((BufferInternal) chunk).getByteBuf());
      if (link.writeQueueFull()) {
        request.pause();
      }
      return;
    }
    upstream.write(chunk);
    if (upstream.writeQueueFull()) {
      request.pause();
    }
  }

  private void responded(AsyncResult<HttpClientResponse> ar) {
    if (finished) {
      return;
    }
    if (ar.failed()) {
      upstreamFailed(ar.cause());
      return;
    }
    cancelTimer();
    HttpClientResponse answer = ar.result();
    int status = answer.statusCode();
    startAnswer(status, answer.statusMessage(), answer.headers());
    answer.handler(chunk -> {
      response.write(chunk);
      if (response.writeQueueFull()) {
        answer.pause();
      }
    });
    response.drainHandler(v -> answer.resume());
    answer.exceptionHandler(t -> {
      // The app broke off mid-body; the head is out, so only a reset tells the client.
      releaseUpstream(false);
      if (!finished) {
        response.reset();
        finish(502, Rejection.UPSTREAM_ERROR);
      }
    });
    boolean appCloses = closes(answer.version() == HttpVersion.HTTP_1_0, answer.getHeader(HttpHeaders.CONNECTION));
    answer.endHandler(v -> {
      // The app's side is done: its connection can serve the next request while ours flushes.
      releaseUpstream(requestSent && !appCloses);
      response.end().onComplete(done -> {
        if (closeAfterResponse) {
          request.connection().close();
        }
        finish(status, null);
      });
    });
  }

  /** WebSocket (or any HTTP/1.1 upgrade): after the app's 101 the two connections become one TCP pipe. */
  private void tunnel(HttpClientRequest up) {
    up.putHeader(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
    up.putHeader(HttpHeaders.UPGRADE, request.getHeader(HttpHeaders.UPGRADE));
    up.connect().onComplete(ar -> {
      if (ar.failed()) {
        upstreamFailed(ar.cause());
        return;
      }
      cancelTimer();
      HttpClientResponse answer = ar.result();
      if (answer.statusCode() != 101) {
        answer.pause();
        responded(ar);
        answer.resume();
        return;
      }
      response.headers().addAll(answer.headers());
      response.putHeader(REQUEST_ID, requestId);
      NetSocket appSide = answer.netSocket();
      pool.detach(lease); // the connection is a tunnel now, no longer the pool's
      lease = null;
      // Before the client can read the 101 (and start sending tunnel bytes, which are not HTTP).
      StrictHead.uninstall(request.connection());
      request.resume(); // paused since start(); a paused connection would never read the tunnel's bytes
      request.toNetSocket().onComplete(client -> {
        if (client.failed()) {
          appSide.close();
          finish(502, Rejection.UPSTREAM_ERROR);
          return;
        }
        NetSocket clientSide = client.result();
        HeaderTimeout.uninstall(request.connection()); // no more request heads on this connection
        clientSide.pipeTo(appSide);
        appSide.pipeTo(clientSide);
        finish(101, null);
      });
    });
  }

  private void upstreamFailed(Throwable cause) {
    if (finished) {
      releaseUpstream(false);
      return;
    }
    if (hold != null && !response.headWritten()) {
      // Run mode: the child is down or just died. A refused connection never reached the app, so
      // any request can wait for the next child; one the dead child had seen only when it is
      // bodiless and idempotent, and only once.
      boolean neverSent = upstream == null && link == null && cause instanceof ConnectException;
      if (neverSent || retryable(true)) {
        retried |= !neverSent;
        dropAttempt();
        releaseUpstream(false);
        waitForApp();
        return;
      }
    }
    if (retryable(false)) {
      retried = true;
      dropAttempt();
      releaseUpstream(false);
      pool = pool(); // the app may be on a new port by now (a recycle)
      pool.acquire(this);
      return;
    }
    if (cause instanceof ConnectionPoolTooBusyException) {
      response.putHeader(HttpHeaders.RETRY_AFTER, "1");
      fail(503, "upstream connection pool is full", Rejection.OVERLOADED);
    } else if (cause instanceof TimeoutException || cause instanceof io.netty.channel.ConnectTimeoutException) {
      fail(cause instanceof TimeoutException ? 504 : 502, "upstream did not answer in time", cause instanceof TimeoutException
          ? Rejection.TIMEOUT : Rejection.UPSTREAM_ERROR);
    } else if (cause instanceof ConnectException) {
      fail(502, "upstream refused the connection", Rejection.UPSTREAM_ERROR);
    } else {
      fail(502, "upstream failed: " + describe(cause), Rejection.UPSTREAM_ERROR);
      if (hold != null) {
        hold.gate().failedInFlight(); // for the restart sentence ("37 requests waited, 1 failed")
      }
    }
    abandonUpstream();
  }

  @Override
  void expired() {
    if (finished) {
      return;
    }
    fail(504, "upstream did not answer within " + settings.requestTimeoutMs() + " ms", Rejection.TIMEOUT);
    abandonUpstream();
  }

  private void clientGone() {
    if (finished) {
      return;
    }
    finish(499, null);
    abandonUpstream(); // free the upstream connection instead of streaming to nobody
  }

  /**
   * A reused keep-alive connection can be closed by the app just as Vigil sends on it (the app
   * restarted, or timed the connection out). When that happens before any answer, a request
   * without a body and with an idempotent method is sent once more on another connection, as
   * nginx does; anything else gets its 502.
   */
  private boolean retryable(boolean childMayHaveDied) {
    UpstreamPool.Conn conn = lease;
    if (retried || conn == null || (conn.leases < 2 && !childMayHaveDied) || response.headWritten()
        || !request.isEnded()) {
      return false;
    }
    HttpMethod m = request.method();
    boolean idempotent = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS
        || m == HttpMethod.PUT || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    return idempotent && !ProxyHandler.hasBody(request) && !request.headers().contains(HttpHeaders.UPGRADE);
  }

  /** Forgets the attempt in flight and breaks it off; its late callbacks are then stale. */
  private void dropAttempt() {
    HttpClientRequest failed = upstream;
    NettyLink failedLink = link;
    upstream = null; // first, so the reset's own callbacks count as stale
    link = null;
    if (failed != null) {
      failed.reset();
    }
    if (failedLink != null) {
      failedLink.listener(null);
      failedLink.close();
    }
  }

  /** Breaks off the upstream side mid-exchange: its connection cannot be reused. */
  private void abandonUpstream() {
    dropAttempt();
    if (lease == null) {
      pool.cancel(this);
    }
    releaseUpstream(false);
  }

  private void releaseUpstream(boolean reusable) {
    UpstreamPool.Conn conn = lease;
    if (conn != null) {
      lease = null;
      if (conn.link != null) {
        conn.link.listener(null);
        link = null;
      }
      pool.release(conn, reusable);
    }
  }

  /** True when the app's answer ends its connection (Connection: close, or HTTP/1.0 without keep-alive). */
  private static boolean closes(boolean http10, String connection) {
    if (http10) {
      return connection == null || !HopByHop.namedIn(connection, "keep-alive");
    }
    return connection != null && HopByHop.namedIn(connection, "close");
  }

  /** The app's status and headers onto the client's response, and how its body will be framed. */
  private void startAnswer(int status, String reason, MultiMap answerHeaders) {
    response.setStatusCode(status);
    if (reason != null && !reason.equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
      // Only a reason of the app's own: setting one builds a status object per response.
      response.setStatusMessage(reason);
    }
    HopByHop.copy(answerHeaders, response.headers(), HopByHop.NO_EXTRA);
    response.putHeader(REQUEST_ID, requestId);
    boolean bodyless = request.method() == HttpMethod.HEAD || status == 204 || status == 304 || status < 200;
    if (!bodyless && !answerHeaders.contains(HttpHeaders.CONTENT_LENGTH)) {
      if (request.version() == HttpVersion.HTTP_1_0) {
        closeAfterResponse = true; // no chunked encoding in HTTP/1.0: the close ends the body
      } else {
        response.setChunked(true);
      }
    }
  }

  /** Vigil answers itself; when the request body was not fully read the connection cannot be reused. */
  private void fail(int status, String message, Rejection cause) {
    if (finished) {
      return;
    }
    cancelTimer();
    if (response.headWritten()) {
      finish(status, cause);
      response.reset();
      return;
    }
    // Counted before sending, so anyone who has read the answer also sees it counted.
    finish(status, cause, ErrorReply.length(status, message));
    response.headers().clear();
    if (status == 503) {
      response.putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds));
    }
    response.putHeader(REQUEST_ID, requestId);
    ErrorReply.send(request, status, message, !request.isEnded());
  }

  private void finish(int status, Rejection cause) {
    finish(status, cause, response.bytesWritten());
  }

  private void finish(int status, Rejection cause, long bytesOut) {
    if (finished) {
      return;
    }
    finished = true;
    cancelTimer();
    if (waiting != null) {
      waiting.cancel(); // frees its place in the gate
      waiting = null;
    }
    if (retryTimer >= 0) {
      hold.vertx().cancelTimer(retryTimer);
      retryTimer = -1;
    }
    inFlight.decrementAndGet();
    observer.onExchange(request.method().name(), request.path(), status, System.nanoTime() - start, bytesIn,
        bytesOut, requestId, cause);
  }

  private void cancelTimer() {
    deadlines.remove(this);
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
