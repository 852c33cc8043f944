package dev.vigil.memory.attribution;

/**
 * Cumulative request counters per slot (a route label and an HTTP method), fed by the metrics side
 * and read once per memory sample. Reading must not stop the writers.
 */
public interface RouteCounts {

  /** Number of slots; fixed. */
  int slots();

  /** Copies the running totals into {@code into} (length {@link #slots()}). */
  void read(long[] into);

  /** The route label of a slot. */
  String route(int slot);

  /** The HTTP method of a slot. */
  String method(int slot);
}
