package dev.vigil.store.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.PooledRedisConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The only class that talks to Redis. It keeps one dedicated, pipelined connection, reconnects by
 * itself with exponential back-off, and checks the connection with a periodic {@code PING}.
 *
 * <p>Every command goes through {@link #send(Request)} or {@link #eval}, which bound it with
 * {@code redis.timeout} and never retry it. While the connection is down, commands fail at once
 * with {@link RedisUnavailableException} instead of queueing, so callers (the rate limiter on the
 * request path) can fall back to local memory without waiting. A timeout or transport error flips
 * the store to {@code fallback-memory} immediately (a circuit breaker); it returns to {@code redis}
 * when a reconnect attempt succeeds. Error replies from the server (for example a script error)
 * fail only their own command.
 *
 * <p>Usage: construct, {@link #start()} (completes even when Redis is down), pass the store to
 * {@code RedisRateLimiter}, {@code LeaderLock}, {@code FleetRegistry}, {@code MemoryHistoryStore},
 * and {@link #stop()} on shutdown. All methods are thread-safe and never block.
 */
public final class RedisStore {
  /** {@link #mode()} while the connection is up. */
  public static final String MODE_REDIS = "redis";
  /** {@link #mode()} while Redis is unreachable and callers use local memory. */
  public static final String MODE_FALLBACK = "fallback-memory";
  /** Default for {@code redis.timeout}: long enough for a LAN round trip, short enough for the request path. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(500);
  /** Default for {@code redis.keyPrefix}. */
  public static final String DEFAULT_KEY_PREFIX = "vigil:";
  /** How often the live connection is checked with {@code PING}. */
  public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(1);
  /** First reconnect delay; doubles after each failed attempt. */
  public static final long MIN_BACKOFF_MILLIS = 100;
  /** Longest reconnect delay, so recovery is noticed within a few seconds. */
  public static final long MAX_BACKOFF_MILLIS = 5_000;
  /** Commands in flight on the connection at most; beyond that a command fails at once. */
  public static final int MAX_IN_FLIGHT = 2048;

  private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

  private final Vertx vertx;
  private final Redis client;
  private final String safeUrl;
  private final long timeoutMillis;
  private final long connectTimeoutMillis;
  private final long healthIntervalMillis;
  private final String keyPrefix;
  private final AtomicReference<RedisConnection> live = new AtomicReference<>();
  private final Future<RedisReply> unavailable;
  private final Counter timeouts;
  private final Counter transportErrors;
  private final Counter errorReplies;
  private final Counter rejectedWhileDown;
  private final Counter connectSuccesses;
  private final Counter connectFailures;

  // Reconnect state: touched only on `context`, so it needs no locks.
  private Context context;
  private boolean stopped;
  private boolean attemptInFlight;
  private long backoffMillis = MIN_BACKOFF_MILLIS;
  private long reconnectTimer = -1;
  private long healthTimer = -1;
  private String lastConnectError = "";

  /**
   * Creates a store with the default health-check interval.
   *
   * @param vertx the Vert.x instance
   * @param redisUrl {@code redis://[[user]:password@]host[:port][/db]} or {@code rediss://} (TLS, JDK trust store)
   * @param commandTimeout bound on every command ({@code redis.timeout}, default 500ms)
   * @param keyPrefix prefix of every key ({@code redis.keyPrefix}, default {@code vigil:})
   * @param registryOrNull where to register meters, or null
   */
  public RedisStore(Vertx vertx, String redisUrl, Duration commandTimeout, String keyPrefix,
      MeterRegistry registryOrNull) {
    this(vertx, redisUrl, commandTimeout, keyPrefix, registryOrNull, DEFAULT_HEALTH_INTERVAL);
  }

  /**
   * Creates a store.
   *
   * @param healthInterval how often the live connection is pinged (default 1s)
   * @see #RedisStore(Vertx, String, Duration, String, MeterRegistry)
   */
  public RedisStore(Vertx vertx, String redisUrl, Duration commandTimeout, String keyPrefix,
      MeterRegistry registryOrNull, Duration healthInterval) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.safeUrl = validateUrl(redisUrl);
    this.timeoutMillis = positiveMillis("redis.timeout", commandTimeout);
    this.healthIntervalMillis = positiveMillis("redis health interval", healthInterval);
    this.keyPrefix = Objects.requireNonNull(keyPrefix, "redis.keyPrefix");
    // The handshake (TCP, HELLO, AUTH, SELECT) gets more room than one command, but stays bounded.
    this.connectTimeoutMillis = Math.max(1_000, 4 * timeoutMillis);
    // A socket that reads nothing for this long is closed; this also ends a handshake that a
    // frozen server accepted at the TCP level, so a pending connect can never hang forever.
    long readIdleMillis = Math.max(connectTimeoutMillis, 3 * healthIntervalMillis) + timeoutMillis;
    RedisOptions options = new RedisOptions()
        .setConnectionString(redisUrl)
        .setMaxPoolSize(1)
        .setMaxPoolWaiting(8)
        .setMaxWaitingHandlers(MAX_IN_FLIGHT)
        .setNetClientOptions(new NetClientOptions()
            .setConnectTimeout((int) connectTimeoutMillis)
            .setReadIdleTimeout((int) readIdleMillis)
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
            .setTcpNoDelay(true)
            .setTcpKeepAlive(true));
    this.client = Redis.createClient(vertx, options);
    this.unavailable = Future.failedFuture(new RedisUnavailableException(safeUrl));

    MeterRegistry registry = registryOrNull != null ? registryOrNull : new SimpleMeterRegistry();
    Gauge.builder("vigil.redis.up", live, ref -> ref.get() != null ? 1 : 0)
        .description("1 while the Redis connection is up, 0 while serving from local memory")
        .register(registry);
    this.timeouts = failureCounter(registry, "timeout");
    this.transportErrors = failureCounter(registry, "transport");
    this.errorReplies = failureCounter(registry, "error_reply");
    this.rejectedWhileDown = failureCounter(registry, "unavailable");
    this.connectSuccesses = connectCounter(registry, "success");
    this.connectFailures = connectCounter(registry, "failure");
  }

  /**
   * Starts connecting and the periodic health check. The future completes after the first attempt
   * whether or not it succeeded: a Redis that is down must not stop the sidecar from starting.
   */
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      healthTimer = vertx.setPeriodic(healthIntervalMillis, id -> healthCheck());
      attempt().onComplete(ar -> {
        if (live.get() == null) {
          LOG.log(System.Logger.Level.WARNING, "Redis at {0} is unreachable at start-up; "
              + "serving from local memory and reconnecting in the background", safeUrl);
        }
        started.complete();
      });
    });
    return started.future();
  }

  /** Stops the health check and reconnects, and closes the connection. */
  public Future<Void> stop() {
    if (context == null) {
      return client.close();
    }
    Promise<Void> stoppedPromise = Promise.promise();
    context.runOnContext(v -> {
      stopped = true;
      vertx.cancelTimer(healthTimer);
      vertx.cancelTimer(reconnectTimer);
      RedisConnection c = live.getAndSet(null);
      if (c != null) {
        forceClose(c);
      }
      client.close().onComplete(stoppedPromise);
    });
    return stoppedPromise.future();
  }

  /** @return true while the connection is up and commands are sent to Redis */
  public boolean connected() {
    return live.get() != null;
  }

  /** @return {@link #MODE_REDIS} or {@link #MODE_FALLBACK} */
  public String mode() {
    return connected() ? MODE_REDIS : MODE_FALLBACK;
  }

  /** @return the configured bound on every command */
  public Duration commandTimeout() {
    return Duration.ofMillis(timeoutMillis);
  }

  /** @return {@code keyPrefix + suffix}: every key Vigil writes goes through here */
  public String key(String suffix) {
    return keyPrefix + suffix;
  }

  /**
   * Sends one command, bounded by the command timeout, without retry.
   *
   * @param command a Redis command name, e.g. {@code "LRANGE"}
   * @return the reply ({@link RedisReply#isNull()} for nil); fails with
   *     {@link RedisUnavailableException} at once while disconnected, with a
   *     {@link TimeoutException} after the timeout, or with the server's error reply
   */
  public Future<RedisReply> send(String command, String... args) {
    Request request = Request.cmd(Command.create(command));
    for (String a : args) {
      request.arg(a);
    }
    return send(request);
  }

  private Future<RedisReply> send(Request request) {
    RedisConnection c = live.get();
    if (c == null) {
      rejectedWhileDown.increment();
      return unavailable;
    }
    return guard(c, c.send(request));
  }

  /**
   * Runs a Lua script with {@code EVALSHA}, and with {@code EVAL} when the server does not know it
   * yet. Both steps together are bounded by one command timeout.
   */
  public Future<RedisReply> eval(RedisScript script, List<String> keys, List<String> args) {
    RedisConnection c = live.get();
    if (c == null) {
      rejectedWhileDown.increment();
      return unavailable;
    }
    Future<Response> reply = c.send(scriptRequest(Command.EVALSHA, script.sha1(), keys, args))
        .recover(err -> isNoScript(err)
            ? c.send(scriptRequest(Command.EVAL, script.source(), keys, args))
            : Future.failedFuture(err));
    return guard(c, reply);
  }

  private Future<RedisReply> guard(RedisConnection c, Future<Response> pending) {
    return pending.timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .onFailure(err -> onCommandFailure(c, err))
        .map(RedisReply::of);
  }

  private void onCommandFailure(RedisConnection c, Throwable err) {
    // An error reply proves the server is alive: only that command failed.
    if (err instanceof Response) {
      errorReplies.increment();
      return;
    }
    (err instanceof TimeoutException ? timeouts : transportErrors).increment();
    trip(c, String.valueOf(err.getMessage()));
  }

  /** Flips to fallback at once (the CAS makes concurrent failures trip only once). */
  private void trip(RedisConnection c, String cause) {
    if (!live.compareAndSet(c, null)) {
      return;
    }
    LOG.log(System.Logger.Level.WARNING, "Redis at {0} failed ({1}); serving from local memory "
        + "and reconnecting", safeUrl, cause);
    // A timed-out connection may still hold stale replies: never reuse it.
    forceClose(c);
    context.runOnContext(v -> scheduleReconnect());
  }

  private void healthCheck() {
    if (stopped) {
      return;
    }
    if (live.get() != null) {
      send("PING");
    } else if (!attemptInFlight && reconnectTimer == -1) {
      scheduleReconnect();
    }
  }

  private void scheduleReconnect() {
    if (stopped || attemptInFlight || reconnectTimer != -1 || live.get() != null) {
      return;
    }
    // Jitter keeps a fleet of replicas from reconnecting in lockstep after a Redis restart.
    long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
    backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
    reconnectTimer = vertx.setTimer(delay, id -> {
      reconnectTimer = -1;
      attempt();
    });
  }

  /** One bounded connection attempt; runs on {@code context}. */
  private Future<Void> attempt() {
    if (stopped || attemptInFlight || live.get() != null) {
      return Future.succeededFuture();
    }
    attemptInFlight = true;
    Promise<Void> done = Promise.promise();
    AtomicBoolean abandoned = new AtomicBoolean();
    Future<RedisConnection> raw = client.connect();
    // A connection that completes after we gave up on it is closed, never leaked.
    raw.onSuccess(conn -> {
      if (abandoned.get()) {
        forceClose(conn);
      }
    });
    raw.timeout(connectTimeoutMillis, TimeUnit.MILLISECONDS).onComplete(ar -> {
      if (ar.failed()) {
        abandoned.set(true);
      }
      context.runOnContext(v -> {
        finishAttempt(ar);
        done.complete();
      });
    });
    return done.future();
  }

  private void finishAttempt(AsyncResult<RedisConnection> ar) {
    attemptInFlight = false;
    if (ar.succeeded() && !stopped) {
      adopt(ar.result());
      return;
    }
    if (ar.succeeded()) {
      forceClose(ar.result());
      return;
    }
    connectFailures.increment();
    // Warn when the reason changes (a wrong password must not hide behind DEBUG), not every retry.
    String error = String.valueOf(ar.cause().getMessage());
    System.Logger.Level level = error.equals(lastConnectError)
        ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
    lastConnectError = error;
    LOG.log(level, "Redis connect to {0} failed: {1}; retrying with back-off", safeUrl, error);
    scheduleReconnect();
  }

  private void adopt(RedisConnection conn) {
    conn.exceptionHandler(err -> trip(conn, String.valueOf(err)));
    conn.endHandler(v -> trip(conn, "connection closed"));
    backoffMillis = MIN_BACKOFF_MILLIS;
    lastConnectError = "";
    connectSuccesses.increment();
    live.set(conn);
    LOG.log(System.Logger.Level.INFO, "Redis at {0} connected; shared state in use", safeUrl);
  }

  /**
   * Closes a connection's socket, not just its lease. This is the one reach into the Redis
   * client's internals ({@code io.vertx.redis.client.impl.PooledRedisConnection}): {@code close()}
   * on a pooled connection only returns it to the pool, and a connection that timed out may still
   * deliver stale replies, so it must lose its socket. {@code RedisInternalsTest} fails loudly if a
   * Vert.x upgrade renames the class or changes what {@code actual().forceClose()} does.
   */
  static void forceClose(RedisConnection conn) {
    if (conn instanceof PooledRedisConnection pooled) {
      pooled.actual().forceClose();
    } else {
      conn.close();
    }
  }

  private static Request scriptRequest(Command command, String scriptOrSha, List<String> keys,
      List<String> args) {
    Request request = Request.cmd(command).arg(scriptOrSha).arg(keys.size());
    for (String k : keys) {
      request.arg(k);
    }
    for (String a : args) {
      request.arg(a);
    }
    return request;
  }

  private static boolean isNoScript(Throwable err) {
    return err instanceof Response && err.getMessage() != null
        && err.getMessage().startsWith("NOSCRIPT");
  }

  private static Counter failureCounter(MeterRegistry registry, String reason) {
    return Counter.builder("vigil.redis.command.failures")
        .description("Redis commands that did not get a normal reply, by reason")
        .tag("reason", reason)
        .register(registry);
  }

  private static Counter connectCounter(MeterRegistry registry, String result) {
    return Counter.builder("vigil.redis.connects")
        .description("Redis connection attempts, by result")
        .tag("result", result)
        .register(registry);
  }

  private static long positiveMillis(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
    }
    return Math.max(1, d.toMillis());
  }

  /** Validates the scheme and returns the URL with any password masked, for log lines. */
  static String validateUrl(String url) {
    Objects.requireNonNull(url, "redis.url");
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("redis.url is not a valid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme();
    if (!"redis".equals(scheme) && !"rediss".equals(scheme) && !"unix".equals(scheme)) {
      throw new IllegalArgumentException(
          "redis.url must start with redis://, rediss:// or unix://, got scheme " + scheme);
    }
    if (!"unix".equals(scheme) && (uri.getHost() == null || uri.getHost().isEmpty())) {
      throw new IllegalArgumentException("redis.url has no host");
    }
    String userInfo = uri.getRawUserInfo();
    return userInfo == null ? url : url.replace(userInfo + "@", "***@");
  }
}
