package dev.vigil.health;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Kubernetes readiness: ready while the app answers, no drain is under way and no component has
 * asked to take the pod out of rotation (memory {@code critical} with the unready action).
 * Conditions are registered once at wiring time and read lock-free.
 */
public final class Readiness {

  private final List<Condition> conditions = new ArrayList<>();
  private volatile boolean draining;

  /** A named condition that must hold for the pod to be ready. */
  public record Condition(String name, BooleanSupplier holds, String whenFailing) {
  }

  public Readiness require(String name, BooleanSupplier holds, String whenFailing) {
    conditions.add(new Condition(name, holds, whenFailing));
    return this;
  }

  /** Called once on SIGTERM: readiness turns 503 at once and stays there. */
  public void startDrain() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  public boolean ready() {
    if (draining) {
      return false;
    }
    for (Condition c : conditions) {
      if (!c.holds().getAsBoolean()) {
        return false;
      }
    }
    return true;
  }

  /** The registered conditions, for the {@code ?verbose} listing. */
  public List<Condition> conditions() {
    return List.copyOf(conditions);
  }

  /** One sentence per failing condition, for the readiness answer's body. */
  public List<String> reasons() {
    List<String> out = new ArrayList<>(conditions.size() + 1);
    if (draining) {
      out.add("shutting down: draining in-flight requests");
    }
    for (Condition c : conditions) {
      if (!c.holds().getAsBoolean()) {
        out.add(c.whenFailing());
      }
    }
    return out;
  }
}
