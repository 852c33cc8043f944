package dev.vigil.memory.diagnostics;

import io.vertx.core.json.JsonArray;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The last {@value #CAPACITY} diagnostics answers, newest first. Thread-safe; pure. */
public final class DiagnosticsStore {

  public static final int CAPACITY = 5;

  private final Deque<DiagnosticsAnswer> answers = new ArrayDeque<>(CAPACITY);

  public synchronized void add(DiagnosticsAnswer a) {
    if (answers.size() >= CAPACITY) {
      answers.removeLast();
    }
    answers.addFirst(a);
  }

  public synchronized List<DiagnosticsAnswer> answers() {
    return List.copyOf(answers);
  }

  public synchronized JsonArray toJson() {
    JsonArray out = new JsonArray();
    answers.forEach(a -> out.add(a.toJson()));
    return out;
  }
}
