package dev.vigil.config;

/** Parses {@code ratelimit.rate} values such as {@code 100/s}, {@code 6000/m} or {@code 50000/h}. */
public final class Rate {
  private Rate() {
  }

  /**
   * @param spec {@code N/s}, {@code N/m} or {@code N/h} with N a positive number
   * @return permits per second
   * @throws IllegalArgumentException naming the value and the allowed form
   */
  public static double parsePerSecond(String spec) {
    if (spec == null) {
      throw invalid(null);
    }
    String s = spec.trim();
    int slash = s.indexOf('/');
    if (slash <= 0 || slash != s.length() - 2) {
      throw invalid(spec);
    }
    double count;
    try {
      count = Double.parseDouble(s.substring(0, slash).trim());
    } catch (NumberFormatException e) {
      throw invalid(spec);
    }
    if (!(count > 0) || Double.isInfinite(count)) {
      throw invalid(spec);
    }
    switch (s.charAt(slash + 1)) {
      case 's':
        return count;
      case 'm':
        return count / 60.0;
      case 'h':
        return count / 3600.0;
      default:
        throw invalid(spec);
    }
  }

  private static IllegalArgumentException invalid(String spec) {
    return new IllegalArgumentException("ratelimit.rate: invalid value '" + spec
        + "'; expected a positive count per unit, like 100/s, 6000/m or 50000/h");
  }
}
