package dev.vigil.memory.source;

/**
 * One process of an app's tree.
 *
 * @param pid       process id
 * @param ppid      parent's process id
 * @param command   its command line (arguments joined by spaces, at most {@link ProcessTree#MAX_COMMAND} chars)
 * @param rssBytes  {@code VmRSS} of {@code /proc/PID/status}
 * @param pssBytes  {@code Pss} of {@code /proc/PID/smaps_rollup}, or null where not readable
 */
public record ProcessMemory(long pid, long ppid, String command, long rssBytes, Long pssBytes) {
}
