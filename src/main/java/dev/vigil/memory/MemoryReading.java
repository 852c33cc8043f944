package dev.vigil.memory;

/**
 * What one reading of the app's memory said (an answer of the memory endpoint, or a
 * {@link MemorySource} such as the process tree or the cgroup).
 *
 * @param rssMiB         resident memory in MiB
 * @param limitMiB       total/limit the application reported (MiB), or null
 * @param source         how it was read, e.g. {@code json:process.rss_mb} or {@code prometheus}
 */
public record MemoryReading(double rssMiB, Double limitMiB, String source) {
}
