package dev.vigil.app.reap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The two libc calls Java 17 lacks. Loaded on first use of {@link #INSTANCE}: only the reaper
 * touches this class, so without reaping JNA's classes and native library never load.
 */
interface LibC extends Library {

  LibC INSTANCE = Native.load("c", LibC.class);

  int WNOHANG = 1;
  int PR_SET_CHILD_SUBREAPER = 36;

  /** {@code pid_t waitpid(pid_t pid, int *status, int options)}. */
  int waitpid(int pid, int[] status, int options) throws LastErrorException;

  /** {@code int prctl(int option, unsigned long arg2, ...)}. */
  int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;
}
