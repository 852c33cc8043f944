/**
 * Memory watching: polls the application's memory endpoint, keeps a bounded history, fits the
 * trend, and warns and acts before an out-of-memory kill.
 *
 * <p>Entry point: {@link dev.vigil.memory.MemoryWatch}, configured by
 * {@link dev.vigil.memory.MemoryWatchOptions}. Formats understood are listed on
 * {@code MemoryParser}; the trend method and the leak rule on {@code MemoryTrend}; the hysteresis
 * on {@code StateMachine}; the cleanup rules on {@code CleanupLog}. Everything except the watch
 * itself and its HTTP fetcher is pure Java, tested without Vert.x.
 */
package dev.vigil.memory;
