package dev.vigil.app.reap;

/**
 * The fields of {@code /proc/PID/stat} the reaper needs: the pid, the state letter ({@code Z} for a
 * zombie) and the parent pid.
 */
record ProcStat(long pid, char state, long ppid) {

  /**
   * Parses {@code "PID (COMM) STATE PPID ..."}. The command may hold spaces and parentheses, so the
   * fields after it are found from the last {@code ')'}.
   *
   * @return null when the text is not a stat line (a process that vanished mid-read)
   */
  static ProcStat parse(String stat) {
    int open = stat.indexOf(" (");
    int close = stat.lastIndexOf(')');
    if (open <= 0 || close < open || close + 4 > stat.length()) {
      return null;
    }
    try {
      long pid = Long.parseLong(stat.substring(0, open).trim());
      char state = stat.charAt(close + 2);
      int ppidEnd = stat.indexOf(' ', close + 4);
      long ppid = Long.parseLong(stat.substring(close + 4, ppidEnd < 0 ? stat.length() : ppidEnd).trim());
      return new ProcStat(pid, state, ppid);
    } catch (RuntimeException e) {
      return null;
    }
  }

  boolean zombie() {
    return state == 'Z';
  }
}
