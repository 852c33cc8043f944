package dev.vigil.health;

/** One cause that moves the overall status, with the plain sentence that explains it in {@code issues}. */
public record Finding(Level level, String sentence) {

  /** How much a finding weighs; the overall status is the worst level found. */
  public enum Level {
    HEALTHY("healthy"),
    DEGRADED("degraded"),
    UNHEALTHY("unhealthy");

    private final String label;

    Level(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    public static Level of(String label) {
      for (Level l : values()) {
        if (l.label.equals(label)) {
          return l;
        }
      }
      return UNHEALTHY;
    }
  }

  public static Finding degraded(String sentence) {
    return new Finding(Level.DEGRADED, sentence);
  }

  public static Finding unhealthy(String sentence) {
    return new Finding(Level.UNHEALTHY, sentence);
  }

  /** A sentence for {@code issues} that does not change the status (for example an unreadable memory endpoint). */
  public static Finding note(String sentence) {
    return new Finding(Level.HEALTHY, sentence);
  }
}
