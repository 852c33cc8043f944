package dev.vigil.keepalive;

/** What happened at one due time of the keep-alive schedule. */
public enum PingResult {
  /** No due time has passed yet (or keep-alive is disabled). */
  NONE("none"),
  /** The target answered below 500 within the timeout. */
  OK("ok"),
  /** Transport error, timeout or a 5xx answer. */
  FAILED("failed"),
  /** Not sent: a proxied request got a non-5xx answer within the current interval. */
  SKIPPED_TRAFFIC("skipped_traffic"),
  /** Not sent: another replica holds the keep-alive leadership. */
  NOT_LEADER("not_leader");

  private final String label;

  PingResult(String label) {
    this.label = label;
  }

  /** The value used in JSON ({@code last_result}) and in the {@code result} metric tag. */
  public String label() {
    return label;
  }
}
