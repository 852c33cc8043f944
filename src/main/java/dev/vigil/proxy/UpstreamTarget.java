package dev.vigil.proxy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where new requests go: one host and port, switchable at run time (a recycle moves traffic to a
 * second child on a new port). Each request reads the current target once (one volatile read, no
 * lock); each event loop then leases from its pool for that target. A switch also tells every
 * event loop at once, so that pools of a loop that gets no request still retire and close their
 * idle connections to the old target.
 *
 * <p>{@link Target#connections()} counts the connections open to a target over all event loops: after
 * a switch, the old target's count falls to 0 as its in-flight exchanges finish (a retired pool
 * closes each connection when its exchange ends), which is how a recycle knows the old child is drained.
 */
public final class UpstreamTarget {

  /** One upstream address and the connections open to it. */
  public static final class Target {
    private final String host;
    private final int port;
    private final AtomicInteger connections = new AtomicInteger();

    Target(String host, int port) {
      this.host = host;
      this.port = port;
    }

    public String host() {
      return host;
    }

    public int port() {
      return port;
    }

    /** Connections open (or connecting) to this target, over all event loops. */
    public int connections() {
      return connections.get();
    }

    AtomicInteger counter() {
      return connections;
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  private final AtomicReference<Target> current = new AtomicReference<>();
  private final List<Runnable> loops = new CopyOnWriteArrayList<>();

  /** The target for a new request (null before the first proxy verticle started). */
  public Target current() {
    return current.get();
  }

  /** Sets the first target unless one is set already (the config's upstream, or a child's port). */
  public Target initialize(String host, int port) {
    current.compareAndSet(null, new Target(host, port));
    return current.get();
  }

  /**
   * Sends new requests to {@code host:port} from now on; returns the previous target (its
   * exchanges in flight finish there). Every event loop retires its pool for the old target.
   */
  public Target switchTo(String host, int port) {
    Target old = current.getAndSet(new Target(host, port));
    loops.forEach(Runnable::run);
    return old;
  }

  /** An event loop's hook, run on every switch; it hands the work to its own loop. */
  void onSwitch(Runnable hook) {
    loops.add(hook);
  }

  void removeHook(Runnable hook) {
    loops.remove(hook);
  }
}
