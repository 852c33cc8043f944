package dev.vigil.memory.attribution;

import java.time.Instant;

/**
 * What happened between two memory samples: the change of resident memory, the time it took, and
 * the requests per counter slot (a route and method) in that time, as parallel sparse arrays.
 *
 * @param end      time of the later sample
 * @param deltaMiB rss change over the interval (negative after a collection)
 * @param hours    length of the interval
 * @param slots    counter slots with requests, ascending
 * @param counts   requests of each of those slots
 */
record Interval(Instant end, double deltaMiB, double hours, int[] slots, int[] counts) {
}
