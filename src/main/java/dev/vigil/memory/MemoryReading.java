package dev.vigil.memory;

/**
 * What one answer of the memory endpoint said.
 *
 * @param rssMiB         resident memory in MiB
 * @param limitMiB       total/limit the application reported (MiB), or null
 * @param source         how it was read, e.g. {@code json:process.rss_mb} or {@code prometheus}
 */
record MemoryReading(double rssMiB, Double limitMiB, String source) {
}
