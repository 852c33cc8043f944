package dev.vigil.memory.attribution;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Which routes' traffic predicts the memory growth. Pure.
 *
 * <p>Model: the memory change of each interval is Σ β_r · requests_r + γ · hours + noise, with every
 * β_r ≥ 0 (a request cannot leave negative memory behind) and γ ≥ 0, the growth no route explains
 * (a timer, a cache filling by itself). Fitted by non-negative least squares over the intervals of
 * the window. Collections add large negative changes that no route predicts, so they are noise here;
 * a route is reported only when its coefficient is at least {@value #MIN_T} standard errors above 0
 * and its share of the fitted growth is at least {@value #MIN_SHARE}. Routes and the time term are
 * told apart by how the traffic varies between intervals: with perfectly even traffic every route
 * and the clock predict the same growth, and NNLS keeps the simplest of them.
 *
 * <p>Work: at most {@value #MAX_COLUMNS} route columns (the busiest) plus time; building the
 * normal equations costs intervals × (nonzero slots per interval)², the solve p³ per step.
 */
public final class AttributionFit {

  /** Route columns fitted at most (the busiest in the window); the rest count as noise. */
  public static final int MAX_COLUMNS = 100;
  /** Fewer intervals say nothing reliable. */
  public static final int MIN_INTERVALS = 6;
  static final double MIN_T = 3.0;
  static final double MIN_SHARE = 0.05;

  private AttributionFit() {
  }

  /** Fits the intervals (any order); {@code route} and {@code method} name a counter slot. */
  public static Attribution fit(List<Interval> intervals, IntFunction<String> route, IntFunction<String> method) {
    int n = intervals.size();
    double hours = 0;
    for (Interval iv : intervals) {
      hours += iv.hours();
    }
    if (n < MIN_INTERVALS) {
      return Attribution.none("fewer than " + MIN_INTERVALS + " intervals", n, hours);
    }
    // Columns: the busiest slots, then time.
    Map<Integer, Long> totals = new HashMap<>();
    for (Interval iv : intervals) {
      for (int i = 0; i < iv.slots().length; i++) {
        totals.merge(iv.slots()[i], (long) iv.counts()[i], Long::sum);
      }
    }
    List<Map.Entry<Integer, Long>> busiest = new ArrayList<>(totals.entrySet());
    busiest.sort(Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
    int k = Math.min(MAX_COLUMNS, busiest.size());
    Map<Integer, Integer> column = new HashMap<>();
    int[] slotOf = new int[k];
    long[] requests = new long[k];
    for (int j = 0; j < k; j++) {
      slotOf[j] = busiest.get(j).getKey();
      requests[j] = busiest.get(j).getValue();
      column.put(slotOf[j], j);
    }
    int p = k + 1;
    int time = k;
    double[][] q = new double[p][p];
    double[] c = new double[p];
    double bb = 0;
    int[] cols = new int[p];
    double[] vals = new double[p];
    for (Interval iv : intervals) {
      int m = 0;
      for (int i = 0; i < iv.slots().length; i++) {
        Integer col = column.get(iv.slots()[i]);
        if (col != null) {
          cols[m] = col;
          vals[m++] = iv.counts()[i];
        }
      }
      cols[m] = time;
      vals[m++] = iv.hours();
      for (int a = 0; a < m; a++) {
        c[cols[a]] += vals[a] * iv.deltaMiB();
        for (int b = 0; b < m; b++) {
          q[cols[a]][cols[b]] += vals[a] * vals[b];
        }
      }
      bb += iv.deltaMiB() * iv.deltaMiB();
    }
    // First every column; then only the routes that came out significant, refitted with time, until
    // the set holds: an insignificant route's share goes back to whatever explains it (often time).
    boolean[] active = new boolean[p];
    java.util.Arrays.fill(active, true);
    Solution first = null;
    Solution sol;
    while (true) {
      sol = solve(q, c, bb, active, p, n);
      first = first == null ? sol : first;
      double routeGrowth = 0;
      for (int j = 0; j < k; j++) {
        routeGrowth += sol.beta[j] * requests[j];
      }
      sol.growth = routeGrowth + sol.beta[time] * hours;
      if (!(sol.growth > 0)) {
        return new Attribution(List.of(), List.of(), 0.0, 0, n, hours, "no growth fitted");
      }
      boolean changed = false;
      for (int j = 0; j < k; j++) {
        boolean keep = active[j] && sol.beta[j] > 0 && sol.t[j] >= MIN_T
            && sol.beta[j] * requests[j] / sol.growth >= MIN_SHARE;
        changed |= keep != active[j];
        active[j] = keep;
      }
      if (!changed) {
        break;
      }
    }
    if (first.growth == 0) {
      first.growth = sol.growth;
    }
    Comparator<RouteShare> byShare = Comparator.comparingDouble(RouteShare::shareOfGrowth).reversed();
    List<RouteShare> all = new ArrayList<>();
    List<RouteShare> significant = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      all.add(new RouteShare(route.apply(slotOf[j]), method.apply(slotOf[j]), first.beta[j],
          first.beta[j] * requests[j] / first.growth, requests[j], first.t[j]));
      if (active[j]) {
        significant.add(new RouteShare(route.apply(slotOf[j]), method.apply(slotOf[j]), sol.beta[j],
            sol.beta[j] * requests[j] / sol.growth, requests[j], sol.t[j]));
      }
    }
    all.sort(byShare);
    significant.sort(byShare);
    double timeGrowth = sol.beta[time] * hours;
    return new Attribution(List.copyOf(significant), List.copyOf(all), sol.beta[time], timeGrowth / sol.growth, n,
        hours, null);
  }

  /** Coefficients (per request, per hour) and t-values of one NNLS fit on the active columns. */
  private static final class Solution {
    double[] beta;
    double[] t;
    double growth;
  }

  private static Solution solve(double[][] q, double[] c, double bb, boolean[] active, int p, int n) {
    // Unit-length columns: the solver's tolerances become relative, and counts (hundreds) and
    // hours (hundredths) weigh alike. Inactive columns are pinned to 0.
    double[] scale = new double[p];
    for (int j = 0; j < p; j++) {
      scale[j] = active[j] && q[j][j] > 0 ? Math.sqrt(q[j][j]) : 0;
    }
    double[][] qs = new double[p][p];
    double[] cs = new double[p];
    for (int a = 0; a < p; a++) {
      cs[a] = scale[a] == 0 ? -1 : c[a] / scale[a]; // -1: an inactive column never enters
      for (int b = 0; b < p; b++) {
        qs[a][b] = scale[a] == 0 || scale[b] == 0 ? (a == b ? 1 : 0) : q[a][b] / (scale[a] * scale[b]);
      }
    }
    double[] xs = Nnls.solve(qs, cs, p);
    double[] beta = new double[p];
    for (int j = 0; j < p; j++) {
      beta[j] = scale[j] == 0 ? 0 : xs[j] / scale[j];
      xs[j] = scale[j] == 0 ? 0 : xs[j];
    }
    // Residual variance from the normal equations: |b - Aβ|² = bᵀb - 2βᵀc + βᵀQβ.
    double rss = bb;
    int used = 0;
    for (int a = 0; a < p; a++) {
      rss -= 2 * beta[a] * c[a];
      for (int b = 0; b < p; b++) {
        rss += beta[a] * q[a][b] * beta[b];
      }
      if (xs[a] > 0) {
        used++;
      }
    }
    int dof = n - used;
    double sigma2 = dof > 0 ? Math.max(0, rss) / dof : Double.NaN;
    double[] inv = Nnls.inverseDiagonal(qs, xs, p);
    Solution s = new Solution();
    s.beta = beta;
    s.t = new double[p];
    for (int j = 0; j < p; j++) {
      double se = Math.sqrt(sigma2 * inv[j]);
      s.t[j] = xs[j] > 0 ? (se > 0 ? xs[j] / se : Double.POSITIVE_INFINITY) : 0;
    }
    return s;
  }
}
