package dev.vigil.app;

import java.time.Duration;

/**
 * Restart back-off: {@code initial}, doubling after each quick death up to {@code max}; a child
 * that stayed up at least {@code resetAfter} starts the sequence over. Pure; not thread-safe.
 */
final class Backoff {

  private final Duration initial;
  private final Duration max;
  private final Duration resetAfter;
  private Duration next;

  Backoff(Duration initial, Duration max, Duration resetAfter) {
    this.initial = initial;
    this.max = max;
    this.resetAfter = resetAfter;
    this.next = initial;
  }

  /** The delay before restarting a child that ran for {@code uptime}. */
  Duration next(Duration uptime) {
    if (uptime.compareTo(resetAfter) >= 0) {
      next = initial;
    }
    Duration d = next;
    Duration doubled = next.multipliedBy(2);
    next = doubled.compareTo(max) > 0 ? max : doubled;
    return d.compareTo(max) > 0 ? max : d;
  }
}
