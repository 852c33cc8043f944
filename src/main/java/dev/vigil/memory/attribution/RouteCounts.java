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

  /** Counters from plain functions (e.g. {@code RequestMetrics}'s). */
  static RouteCounts of(int slots, java.util.function.Consumer<long[]> read,
                        java.util.function.IntFunction<String> route, java.util.function.IntFunction<String> method) {
    return new RouteCounts() {
      @Override
      public int slots() {
        return slots;
      }

      @Override
      public void read(long[] into) {
        read.accept(into);
      }

      @Override
      public String route(int slot) {
        return route.apply(slot);
      }

      @Override
      public String method(int slot) {
        return method.apply(slot);
      }
    };
  }
}
