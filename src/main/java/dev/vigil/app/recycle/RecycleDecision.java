package dev.vigil.app.recycle;

/**
 * What the policy decided at one sample.
 *
 * @param action     what to do now
 * @param reason     why a recycle is (or would be) due, in plain words; null with {@link Action#NONE}
 * @param path       the path to take with {@link Action#RECYCLE}, else null
 * @param pathReason why that path, in plain words, else null
 */
public record RecycleDecision(Action action, String reason, RecyclePath path, String pathReason) {

  public enum Action {
    /** Nothing is due (or the policy waits for samples after a cleanup call). */
    NONE,
    /** Due, and {@code memory.cleanup.url} is set: call it first and watch the next samples. */
    CLEANUP,
    /** Due, but the last recycle was less than {@code recycle.minInterval} ago. */
    DEFERRED,
    /** Recycle now, by {@code path}. */
    RECYCLE
  }

  static final RecycleDecision NONE = new RecycleDecision(Action.NONE, null, null, null);

  public boolean recycle() {
    return action == Action.RECYCLE;
  }
}
