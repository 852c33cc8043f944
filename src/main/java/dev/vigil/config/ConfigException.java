package dev.vigil.config;

import java.util.List;

/**
 * Start-up stops with this when a setting is wrong. Each message is one line naming the key, the
 * value and what is allowed; all problems found are reported together.
 */
public final class ConfigException extends RuntimeException {

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
