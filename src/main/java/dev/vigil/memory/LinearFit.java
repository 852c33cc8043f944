package dev.vigil.memory;

/**
 * Ordinary least-squares line through points (x, y).
 *
 * @param n         points used
 * @param slope     dy/dx
 * @param intercept y at x = 0
 * @param r2        coefficient of determination; 1 when the points lie exactly on a line (also a flat one)
 * @param exact     the residuals are zero up to rounding
 */
record LinearFit(int n, double slope, double intercept, double r2, boolean exact) {

  /** Residual RMS below this (in the unit of y, MiB here) counts as "exactly on a line". */
  static final double EXACT_RMS = 1e-6;

  /** Fits x[0..n) and y[0..n); needs at least two points with distinct x, else returns null. */
  static LinearFit of(double[] x, double[] y, int n) {
    if (n < 2) {
      return null;
    }
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= n;
    my /= n;
    double sxx = 0;
    double sxy = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      double dx = x[i] - mx;
      double dy = y[i] - my;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
    }
    if (sxx == 0) {
      return null;
    }
    double slope = sxy / sxx;
    double intercept = my - slope * mx;
    double ssRes = 0;
    for (int i = 0; i < n; i++) {
      double r = y[i] - (intercept + slope * x[i]);
      ssRes += r * r;
    }
    boolean exact = ssRes / n <= EXACT_RMS * EXACT_RMS;
    double r2 = exact || syy == 0 ? 1.0 : Math.max(0, 1 - ssRes / syy);
    return new LinearFit(n, slope, intercept, r2, exact);
  }

  double at(double x) {
    return intercept + slope * x;
  }
}
