package dev.vigil.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * The recording side for one event loop: every structure here has exactly one writer thread, so
 * recording takes no lock and, in steady state, allocates nothing. Readers on other threads merge
 * the shards; each ring slot carries a sequence number so a reader never returns a half-written
 * entry (a per-slot seqlock).
 *
 * <p>The ring holds no references to per-request objects: method, path and request id are copied
 * as bytes into a circular text arena. Holding the request's own strings kept every one of them
 * alive for thousands of requests, long enough to be promoted to the old generation, which under
 * load meant longer young pauses and a full collection every few seconds.
 */
public final class Shard {

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  static final int MAX_PATH = 256;
  static final int MAX_METHOD = 32;
  static final int MAX_REQUEST_ID = 128;
  /** Text arena bytes per ring slot: typical method + path + id need 40-80. */
  static final int TEXT_PER_SLOT = 128;
  static final int SECONDS = 300;
  private static final int PATH_CACHE = 1024; // direct-mapped: bounded by construction

  private final RequestMetrics owner;
  private final LongSupplier clock;
  private final int capacity;

  // Ring buffer of recent requests, overwritten in place.
  private final long[] seq;
  private final long[] time;
  // Monotonic finish time: orders entries across shards (millisecond stamps tie).
  private final long[] finishedNanos;
  private final long[] textStart;
  private final short[] methodLength;
  private final short[] pathLength;
  private final short[] idLength;
  private final int[] route;
  private final int[] status;
  private final long[] latencyMicros;
  private final long[] bytesIn;
  private final long[] bytesOut;
  private final byte[] cause;
  private long written;

  // Circular text arena: bytes [textReserved - text.length, textReserved) are the newest text.
  // Each character is stored as one ISO-8859-1 byte, which is what the HTTP decoder made of the wire
  // (the request line is decoded byte by byte, so no character is above 0xFF).
  private final byte[] text;
  private long textWritten;
  private final java.util.concurrent.atomic.AtomicLong textReserved = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();

  // Path -> route id cache: a repeat path costs one hash and one equals, no allocation.
  private final String[] cachedPath = new String[PATH_CACHE];
  private final int[] cachedRoute = new int[PATH_CACHE];

  // Per-second ring of the last 5 minutes.
  private final long[] secondStamp = new long[SECONDS];
  private final long[] secondRequests = new long[SECONDS];
  private final long[] secondErrors = new long[SECONDS];
  private final long[] secondBytes = new long[SECONDS];

  // Requests the app answered, per (route id, method index): what the leak attribution reads at
  // each memory sample. Single writer, read with opaque loads; fixed size.
  private final long[] routeRequests;

  // Since-start counts: [0] total, [1..5] status classes, [6..] causes.
  final AtomicLongArray counts = new AtomicLongArray(6 + Rejection.values().length);
  private volatile long lastSuccess;
  private final SingleWriterRecorder latency = LatencyWindows.newRecorder();
  private org.HdrHistogram.Histogram recycled; // reader side, guarded by LatencyWindows' lock

  Shard(RequestMetrics owner, LongSupplier clock, int capacity) {
    this.owner = owner;
    this.clock = clock;
    this.capacity = capacity;
    seq = new long[capacity];
    time = new long[capacity];
    finishedNanos = new long[capacity];
    textStart = new long[capacity];
    methodLength = new short[capacity];
    pathLength = new short[capacity];
    idLength = new short[capacity];
    text = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(4096L, (long) capacity * TEXT_PER_SLOT))];
    route = new int[capacity];
    status = new int[capacity];
    latencyMicros = new long[capacity];
    bytesIn = new long[capacity];
    bytesOut = new long[capacity];
    cause = new byte[capacity];
    for (int i = 0; i < SECONDS; i++) {
      secondStamp[i] = Long.MIN_VALUE;
    }
    routeRequests = new long[RequestMetrics.countSlots(owner.routes().maxRoutes())];
  }

  /**
   * Records one finished request. Call only from the thread that owns this shard.
   *
   * @param rejection why Vigil answered itself, or null when the app answered
   */
  public void record(String method, String path, int status, long latencyNanos, long bytesIn, long bytesOut,
                     String requestId, Rejection rejection) {
    long now = clock.getAsLong();
    long micros = Math.max(0, latencyNanos / 1000);
    int routeId = routeOf(path);
    int statusClass = status >= 100 && status < 600 ? status / 100 : 5;

    long n = written;
    int slot = (int) (n % capacity);
    LONGS.setOpaque(seq, slot, -1L); // being written
    VarHandle.storeStoreFence();
    this.time[slot] = now;
    this.finishedNanos[slot] = System.nanoTime();
    int ml = Math.min(method.length(), MAX_METHOD);
    int pl = Math.min(path.length(), MAX_PATH);
    int il = requestId == null ? 0 : Math.min(requestId.length(), MAX_REQUEST_ID);
    long start = textWritten;
    // Announce the bytes about to be overwritten before touching them, so a reader copying an
    // older entry's text can tell that it was torn.
    textReserved.setOpaque(start + ml + pl + il);
    VarHandle.storeStoreFence();
    long at = put(method, ml, start);
    at = put(path, pl, at);
    textWritten = put(requestId, il, at);
    this.textStart[slot] = start;
    this.methodLength[slot] = (short) ml;
    this.pathLength[slot] = (short) pl;
    this.idLength[slot] = (short) il;
    this.route[slot] = routeId;
    this.status[slot] = status;
    this.latencyMicros[slot] = micros;
    this.bytesIn[slot] = bytesIn;
    this.bytesOut[slot] = bytesOut;
    this.cause[slot] = (byte) (rejection == null ? -1 : rejection.ordinal());
    LONGS.setRelease(seq, slot, n + 1);
    written = n + 1;
    published.lazySet(n + 1);

    long second = now / 1000;
    int s = (int) Math.floorMod(second, (long) SECONDS);
    if (secondStamp[s] != second) {
      secondRequests[s] = 0;
      secondErrors[s] = 0;
      secondBytes[s] = 0;
      secondStamp[s] = second;
    }
    secondRequests[s]++;
    secondBytes[s] += bytesIn + bytesOut;
    if (statusClass == 5) {
      secondErrors[s]++;
    } else {
      lastSuccess = now;
    }

    counts.lazySet(0, counts.get(0) + 1);
    counts.lazySet(statusClass, counts.get(statusClass) + 1);
    if (rejection != null) {
      int c = 6 + rejection.ordinal();
      counts.lazySet(c, counts.get(c) + 1);
    }
    if (rejection == null) {
      int k = routeId * RequestMeters.METHODS.length + RequestMeters.methodIndex(method);
      LONGS.setOpaque(routeRequests, k, routeRequests[k] + 1);
    }
    latency.recordValue(Math.min(micros, LatencyWindows.HIGHEST_MICROS));
    owner.meters().record(routeId, method, statusClass, latencyNanos, rejection);
  }

  @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int): the low byte of each char, an array copy for Latin-1 strings
  private long put(String s, int length, long at) {
    int n = text.length;
    int i = (int) (at % n);
    int first = Math.min(length, n - i);
    s.getBytes(0, first, text, i);
    if (first < length) {
      s.getBytes(first, length, text, 0); // wrapped around the arena's end
    }
    return at + length;
  }

  private String read(byte[] copy, int from, int length) {
    return new String(copy, from, length, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private int routeOf(String path) {
    int h = path.hashCode();
    int i = (h ^ (h >>> 16)) & (PATH_CACHE - 1);
    String cached = cachedPath[i];
    if (cached != null && cached.equals(path)) {
      return cachedRoute[i];
    }
    int id = owner.routes().idOf(path);
    cachedPath[i] = path.length() > MAX_PATH ? null : path; // never pin huge paths
    cachedRoute[i] = id;
    return id;
  }

  /** Swaps out what was recorded since the last call (the recorder needs its own recycled histogram). */
  org.HdrHistogram.Histogram intervalLatency() {
    recycled = latency.getIntervalHistogram(recycled);
    return recycled;
  }

  /** Adds this shard's per-(route, method) request totals to {@code into}. */
  void addRouteRequests(long[] into) {
    for (int i = 0; i < routeRequests.length; i++) {
      into[i] += (long) LONGS.getOpaque(routeRequests, i);
    }
  }

  long lastSuccess() {
    return lastSuccess;
  }

  int size() {
    return (int) Math.min(published.get(), capacity);
  }

  /** Adds this shard's readable entries, newest first, up to {@code limit}, to {@code out}. */
  void collect(List<RequestEntry> out, int limit, RouteTable routes) {
    long newest = published.get();
    long oldest = Math.max(1, newest - capacity + 1);
    int stop = out.size() + limit; // this shard's own newest `limit`: the caller merges the shards
    for (long n = newest; n >= oldest && out.size() < stop; n--) {
      int slot = (int) ((n - 1) % capacity);
      long before = (long) LONGS.getAcquire(seq, slot);
      if (before != n) {
        continue; // overwritten or being written
      }
      long t = time[slot];
      long order = finishedNanos[slot];
      long start = textStart[slot];
      int ml = methodLength[slot];
      int pl = pathLength[slot];
      int il = idLength[slot];
      int r = route[slot];
      int st = status[slot];
      long lat = latencyMicros[slot];
      long in = bytesIn[slot];
      long outBytes = bytesOut[slot];
      byte c = cause[slot];
      int total = ml + pl + il;
      if (start < 0 || total < 0 || total > MAX_METHOD + MAX_PATH + MAX_REQUEST_ID) {
        continue; // lengths torn by a concurrent rewrite: the seq check below would fail too
      }
      byte[] copy = new byte[total];
      int from = (int) (start % text.length);
      int firstPart = Math.min(total, text.length - from);
      System.arraycopy(text, from, copy, 0, firstPart);
      System.arraycopy(text, 0, copy, firstPart, total - firstPart);
      VarHandle.loadLoadFence();
      // Read right after the copy: if no writer had announced bytes over ours by now, the copy is whole.
      boolean textLost = textReserved.getOpaque() - start > text.length;
      if ((long) LONGS.getOpaque(seq, slot) != n) {
        continue;
      }
      String route = routes.label(r);
      String m;
      String p;
      String id;
      if (textLost) {
        // Very long paths filled the arena faster than the ring turned: the text of this old
        // entry is gone, its route and numbers are not.
        m = "";
        p = route;
        id = "";
      } else {
        m = read(copy, 0, ml);
        p = read(copy, ml, pl);
        id = read(copy, ml + pl, il);
      }
      out.add(new RequestEntry(t, m, p, route, st, lat / 1000.0, in, outBytes, id,
          c < 0 ? null : Rejection.values()[c], order));
    }
  }

  /** Requests, errors and bytes of {@code second}, or zeros when that second is not in the ring. */
  void second(long second, long[] into) {
    int s = (int) Math.floorMod(second, (long) SECONDS);
    if (secondStamp[s] == second) {
      into[0] += secondRequests[s];
      into[1] += secondErrors[s];
      into[2] += secondBytes[s];
    }
  }
}
