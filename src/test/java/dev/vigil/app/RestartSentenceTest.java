package dev.vigil.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The plain sentence a restart adds to {@code issues}. */
class RestartSentenceTest {

  private static final Instant T = Instant.parse("2026-12-07T14:02:31Z");

  private static AppRestart restart(AppExit exit, long ms) {
    return new AppRestart(exit, Duration.ofSeconds(1), 43, Duration.ofMillis(ms));
  }

  @Test
  void anOomKillNamesTheLimitAndWhatWaited() {
    AppExit oom = AppExit.of(T, 42, 128 + 9, true, false, Duration.ofMinutes(5), 512L << 20);
    assertEquals("the app was killed by the OOM killer at 14:02 (limit 512 MiB) and restarted in 2.1 s;"
        + " 37 requests waited, none failed", AppRuntime.restartSentence(restart(oom, 2_100), 37, 0));
    AppExit noLimit = AppExit.of(T, 42, 128 + 9, true, false, Duration.ofMinutes(5), null);
    assertEquals("the app was killed by the OOM killer at 14:02 and restarted in 0.4 s; 1 request waited, 2 failed",
        AppRuntime.restartSentence(restart(noLimit, 400), 1, 2));
  }

  @Test
  void crashesSayTheExitCodeOrSignal() {
    AppExit code = AppExit.of(T, 42, 3, false, false, Duration.ofSeconds(9), null);
    assertEquals("the app exited with exit code 3 at 14:02 and restarted in 1.0 s; no request had to wait",
        AppRuntime.restartSentence(restart(code, 1_000), 0, 0));
    AppExit killed = AppExit.of(T, 42, 128 + 9, false, false, Duration.ofSeconds(9), null);
    assertEquals("the app was ended by signal 9 (SIGKILL) at 14:02 and restarted in 0.3 s; 1 request failed",
        AppRuntime.restartSentence(restart(killed, 300), 0, 1));
  }
}
