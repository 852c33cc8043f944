package dev.vigil.memory.attribution;

/**
 * Non-negative least squares (Lawson and Hanson's active-set method) on the normal equations:
 * minimises |Ax - b|² subject to x ≥ 0, given Q = AᵀA and c = Aᵀb. Pure; the work is bounded by
 * the number of columns (at most {@code 3p} outer steps, each a p × p solve).
 *
 * <p>Callers scale the columns of A to unit length first (Q with a unit diagonal), so the
 * tolerances below are relative.
 */
final class Nnls {

  /** A passive-set pivot below this means the columns are (nearly) collinear. */
  static final double SINGULAR = 1e-9;
  private static final double ZERO = 1e-12;

  private Nnls() {
  }

  /** The solution; columns left out as collinear stay 0. */
  static double[] solve(double[][] q, double[] c, int p) {
    double[] x = new double[p];
    boolean[] passive = new boolean[p];
    boolean[] banned = new boolean[p];
    double tol = 1e-10 * Math.max(1e-300, maxAbs(c, p));
    for (int outer = 0; outer < 3 * p; outer++) {
      double[] w = gradient(q, c, x, p);
      int j = -1;
      double best = tol;
      for (int i = 0; i < p; i++) {
        if (!passive[i] && !banned[i] && w[i] > best) {
          best = w[i];
          j = i;
        }
      }
      if (j < 0) {
        break;
      }
      passive[j] = true;
      for (int inner = 0; inner <= p; inner++) {
        double[] z = solvePassive(q, c, passive, p);
        if (z == null) { // j is collinear with the passive set: it explains nothing new
          passive[j] = false;
          banned[j] = true;
          break;
        }
        boolean positive = true;
        for (int i = 0; i < p; i++) {
          if (passive[i] && z[i] <= ZERO) {
            positive = false;
          }
        }
        if (positive) {
          System.arraycopy(z, 0, x, 0, p);
          break;
        }
        double alpha = 1;
        for (int i = 0; i < p; i++) {
          if (passive[i] && z[i] <= ZERO) {
            alpha = Math.min(alpha, x[i] / (x[i] - z[i]));
          }
        }
        for (int i = 0; i < p; i++) {
          if (passive[i]) {
            x[i] += alpha * (z[i] - x[i]);
            if (x[i] <= ZERO) {
              x[i] = 0;
              passive[i] = false;
            }
          }
        }
      }
    }
    return x;
  }

  /** Diagonal of the inverse of Q restricted to the columns where {@code x > 0} (NaN elsewhere). */
  static double[] inverseDiagonal(double[][] q, double[] x, int p) {
    int[] idx = indices(x, p);
    int k = idx.length;
    double[] out = new double[p];
    java.util.Arrays.fill(out, Double.NaN);
    double[][] m = new double[k][k];
    for (int a = 0; a < k; a++) {
      for (int b = 0; b < k; b++) {
        m[a][b] = q[idx[a]][idx[b]];
      }
    }
    for (int a = 0; a < k; a++) {
      double[] e = new double[k];
      e[a] = 1;
      double[] col = gauss(copy(m), e);
      if (col != null) {
        out[idx[a]] = col[a];
      }
    }
    return out;
  }

  private static double[] gradient(double[][] q, double[] c, double[] x, int p) {
    double[] w = new double[p];
    for (int i = 0; i < p; i++) {
      double s = c[i];
      for (int k = 0; k < p; k++) {
        s -= q[i][k] * x[k];
      }
      w[i] = s;
    }
    return w;
  }

  private static double[] solvePassive(double[][] q, double[] c, boolean[] passive, int p) {
    int k = 0;
    for (int i = 0; i < p; i++) {
      if (passive[i]) {
        k++;
      }
    }
    int[] idx = new int[k];
    for (int i = 0, n = 0; i < p; i++) {
      if (passive[i]) {
        idx[n++] = i;
      }
    }
    double[][] m = new double[k][k];
    double[] r = new double[k];
    for (int a = 0; a < k; a++) {
      r[a] = c[idx[a]];
      for (int b = 0; b < k; b++) {
        m[a][b] = q[idx[a]][idx[b]];
      }
    }
    double[] sol = gauss(m, r);
    if (sol == null) {
      return null;
    }
    double[] z = new double[p];
    for (int a = 0; a < k; a++) {
      z[idx[a]] = sol[a];
    }
    return z;
  }

  /** Solves m·y = r by Gaussian elimination with partial pivoting (destroys m and r); null when singular. */
  static double[] gauss(double[][] m, double[] r) {
    int k = r.length;
    for (int col = 0; col < k; col++) {
      int piv = col;
      for (int row = col + 1; row < k; row++) {
        if (Math.abs(m[row][col]) > Math.abs(m[piv][col])) {
          piv = row;
        }
      }
      if (Math.abs(m[piv][col]) < SINGULAR) {
        return null;
      }
      double[] t = m[col];
      m[col] = m[piv];
      m[piv] = t;
      double tr = r[col];
      r[col] = r[piv];
      r[piv] = tr;
      for (int row = col + 1; row < k; row++) {
        double f = m[row][col] / m[col][col];
        if (f != 0) {
          for (int j = col; j < k; j++) {
            m[row][j] -= f * m[col][j];
          }
          r[row] -= f * r[col];
        }
      }
    }
    double[] y = new double[k];
    for (int row = k - 1; row >= 0; row--) {
      double s = r[row];
      for (int j = row + 1; j < k; j++) {
        s -= m[row][j] * y[j];
      }
      y[row] = s / m[row][row];
    }
    return y;
  }

  private static int[] indices(double[] x, int p) {
    int k = 0;
    for (int i = 0; i < p; i++) {
      if (x[i] > 0) {
        k++;
      }
    }
    int[] idx = new int[k];
    for (int i = 0, n = 0; i < p; i++) {
      if (x[i] > 0) {
        idx[n++] = i;
      }
    }
    return idx;
  }

  private static double[][] copy(double[][] m) {
    double[][] out = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = m[i].clone();
    }
    return out;
  }

  private static double maxAbs(double[] v, int p) {
    double m = 0;
    for (int i = 0; i < p; i++) {
      m = Math.max(m, Math.abs(v[i]));
    }
    return m;
  }
}
