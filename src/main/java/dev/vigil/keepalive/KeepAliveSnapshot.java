package dev.vigil.keepalive;

import java.time.Instant;

/**
 * An immutable view of the keep-alive state, replaced as a whole after every due time.
 *
 * @param running             whether pings are scheduled (started, enabled and not stopped)
 * @param nextDueEpochMillis  when the pending timer fires, on the injected clock; -1 when none
 * @param lastPing            start of the last ping actually sent, or null
 * @param lastResult          outcome of the last due time
 * @param pingsTotal          pings sent (ok + failed)
 * @param failuresTotal       pings that failed
 * @param skippedTotal        due times skipped because of recent traffic
 * @param notLeaderTotal      due times skipped because another replica leads
 * @param consecutiveFailures failed pings since the last successful one
 * @param lastError           short description of the last failure, or null
 * @param lastLatencyMs       duration of the last sent ping in milliseconds, or -1
 * @param latencyP50Ms        median ping latency so far (HdrHistogram, corrected for coordinated omission), or -1
 * @param latencyMaxMs        slowest ping so far, or -1
 */
public record KeepAliveSnapshot(
    boolean running,
    long nextDueEpochMillis,
    Instant lastPing,
    PingResult lastResult,
    long pingsTotal,
    long failuresTotal,
    long skippedTotal,
    long notLeaderTotal,
    int consecutiveFailures,
    String lastError,
    double lastLatencyMs,
    double latencyP50Ms,
    double latencyMaxMs) {

  /** Nothing happened yet. */
  public static final KeepAliveSnapshot INITIAL =
      new KeepAliveSnapshot(false, -1, null, PingResult.NONE, 0, 0, 0, 0, 0, null, -1, -1, -1);
}
