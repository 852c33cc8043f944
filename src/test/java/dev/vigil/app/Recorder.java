package dev.vigil.app;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.List;

/** Records a supervisor's events for tests; the take* methods wait with a bound. */
final class Recorder implements AppListener {

  record Started(long pid, long nanos) {
  }

  record Exited(AppExit exit, Duration restartIn, long nanos) {
  }

  final List<AppState> states = new CopyOnWriteArrayList<>();
  final BlockingQueue<Started> started = new LinkedBlockingQueue<>();
  final BlockingQueue<Exited> exited = new LinkedBlockingQueue<>();
  final BlockingQueue<AppRestart> restarted = new LinkedBlockingQueue<>();

  @Override
  public void stateChanged(AppState from, AppState to) {
    states.add(to);
  }

  @Override
  public void started(long pid) {
    started.add(new Started(pid, System.nanoTime()));
  }

  @Override
  public void exited(AppExit exit, Duration restartIn) {
    exited.add(new Exited(exit, restartIn, System.nanoTime()));
  }

  @Override
  public void restarted(AppRestart restart) {
    restarted.add(restart);
  }

  static <T> T take(BlockingQueue<T> q, long seconds, String what) throws InterruptedException {
    T t = q.poll(seconds, TimeUnit.SECONDS);
    if (t == null) {
      throw new AssertionError("no " + what + " within " + seconds + " s");
    }
    return t;
  }
}
