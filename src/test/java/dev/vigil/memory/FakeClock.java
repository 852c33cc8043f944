package dev.vigil.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock the test moves by hand; thread-safe. */
final class FakeClock extends Clock {

  private final AtomicReference<Instant> now;

  FakeClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  Instant advance(Duration d) {
    return now.updateAndGet(t -> t.plus(d));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
