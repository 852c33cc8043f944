package dev.vigil.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings of an {@link AppSupervisor}, frozen: build with {@link #of(List, int)} and the
 * {@code with*} methods. The compact constructor rejects bad values with an
 * {@link IllegalArgumentException} naming the field.
 *
 * @param command         the program and its arguments; every {@code {port}} is replaced by the port
 * @param port            the child's port, also in its {@code PORT} environment variable
 * @param policy          {@code app.restart.policy}, default {@link #DEFAULT_POLICY}
 * @param backoff         {@code app.restart.backoff}, the first delay, default {@link #DEFAULT_BACKOFF}
 * @param maxBackoff      {@code app.restart.maxBackoff}, the cap of the doubling, default {@link #DEFAULT_MAX_BACKOFF}
 * @param resetAfter      a child that stayed up this long restarts the back-off at {@code backoff},
 *                        default {@link #DEFAULT_RESET_AFTER}
 * @param stopTimeout     {@code app.stopTimeout}: SIGTERM to the group, SIGKILL after this, default {@link #DEFAULT_STOP_TIMEOUT}
 * @param healthPath      polled on {@code http://127.0.0.1:port} until 200, then the child is up
 * @param healthInterval  between health polls while not up, default {@link #DEFAULT_HEALTH_INTERVAL}
 * @param healthTimeout   per health poll, default {@link #DEFAULT_HEALTH_TIMEOUT}
 * @param oomScoreAdj     written to the child's {@code /proc/PID/oom_score_adj} (so the kernel kills the
 *                        app before Vigil), or null to leave it; default {@link #DEFAULT_OOM_SCORE_ADJ}
 * @param env             extra environment variables for the child (PORT is always set)
 * @param directory       the child's working directory, or null for Vigil's
 */
public record AppOptions(List<String> command, int port, RestartPolicy policy, Duration backoff, Duration maxBackoff,
    Duration resetAfter, Duration stopTimeout, String healthPath, Duration healthInterval, Duration healthTimeout,
    Integer oomScoreAdj, Map<String, String> env, Path directory) {

  public static final RestartPolicy DEFAULT_POLICY = RestartPolicy.ALWAYS;
  public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
  /** Twice the longest back-off: a child that lived that long was not crash-looping. */
  public static final Duration DEFAULT_RESET_AFTER = Duration.ofSeconds(60);
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
  public static final String DEFAULT_HEALTH_PATH = "/";
  /** Short: held requests wait for this poll, so it bounds the extra latency of a restart. */
  public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofMillis(200);
  public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(2);
  /** The most the kernel allows: the app, never Vigil, is the OOM killer's first choice. */
  public static final int DEFAULT_OOM_SCORE_ADJ = 1000;

  public AppOptions {
    command = List.copyOf(command);
    env = Map.copyOf(env);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command: give the program to run after --");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1..65535, not " + port);
    }
    positive("backoff", backoff);
    positive("maxBackoff", maxBackoff);
    positive("resetAfter", resetAfter);
    positive("stopTimeout", stopTimeout);
    positive("healthInterval", healthInterval);
    positive("healthTimeout", healthTimeout);
    if (maxBackoff.compareTo(backoff) < 0) {
      throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") must be at least backoff (" + backoff + ")");
    }
    if (policy == null) {
      throw new IllegalArgumentException("policy is required");
    }
    if (healthPath == null || !healthPath.startsWith("/")) {
      throw new IllegalArgumentException("healthPath must start with /, not '" + healthPath + "'");
    }
    if (oomScoreAdj != null && (oomScoreAdj < -1000 || oomScoreAdj > 1000)) {
      throw new IllegalArgumentException("oomScoreAdj must be -1000..1000, not " + oomScoreAdj);
    }
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, not " + d);
    }
  }

  /** The defaults for {@code command} on {@code port} (see {@link Ports#freeLoopbackPort()}). */
  public static AppOptions of(List<String> command, int port) {
    return new AppOptions(command, port, DEFAULT_POLICY, DEFAULT_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_RESET_AFTER,
        DEFAULT_STOP_TIMEOUT, DEFAULT_HEALTH_PATH, DEFAULT_HEALTH_INTERVAL, DEFAULT_HEALTH_TIMEOUT,
        DEFAULT_OOM_SCORE_ADJ, Map.of(), null);
  }

  public AppOptions withPolicy(RestartPolicy p) {
    return new AppOptions(command, port, p, backoff, maxBackoff, resetAfter, stopTimeout, healthPath, healthInterval,
        healthTimeout, oomScoreAdj, env, directory);
  }

  public AppOptions withBackoff(Duration first, Duration max) {
    return new AppOptions(command, port, policy, first, max, resetAfter, stopTimeout, healthPath, healthInterval,
        healthTimeout, oomScoreAdj, env, directory);
  }

  public AppOptions withResetAfter(Duration d) {
    return new AppOptions(command, port, policy, backoff, maxBackoff, d, stopTimeout, healthPath, healthInterval,
        healthTimeout, oomScoreAdj, env, directory);
  }

  public AppOptions withStopTimeout(Duration d) {
    return new AppOptions(command, port, policy, backoff, maxBackoff, resetAfter, d, healthPath, healthInterval,
        healthTimeout, oomScoreAdj, env, directory);
  }

  public AppOptions withHealth(String path, Duration interval, Duration timeout) {
    return new AppOptions(command, port, policy, backoff, maxBackoff, resetAfter, stopTimeout, path, interval,
        timeout, oomScoreAdj, env, directory);
  }

  public AppOptions withOomScoreAdj(Integer adj) {
    return new AppOptions(command, port, policy, backoff, maxBackoff, resetAfter, stopTimeout, healthPath,
        healthInterval, healthTimeout, adj, env, directory);
  }

  public AppOptions withEnv(Map<String, String> vars) {
    return new AppOptions(command, port, policy, backoff, maxBackoff, resetAfter, stopTimeout, healthPath,
        healthInterval, healthTimeout, oomScoreAdj, vars, directory);
  }

  public AppOptions withDirectory(Path dir) {
    return new AppOptions(command, port, policy, backoff, maxBackoff, resetAfter, stopTimeout, healthPath,
        healthInterval, healthTimeout, oomScoreAdj, env, dir);
  }

  /** The command as started: through {@code setsid} (own session and process group), {@code {port}} replaced. */
  List<String> argv() {
    String p = Integer.toString(port);
    List<String> out = new java.util.ArrayList<>(command.size() + 1);
    out.add(SETSID);
    command.forEach(a -> out.add(a.replace("{port}", p)));
    return out;
  }

  /** util-linux setsid execs the program in place when the caller is not a group leader (a JVM child is not). */
  static final String SETSID = "setsid";
}
