package dev.vigil.memory;

import java.util.Locale;

/** Units an application may report resident memory in; {@code _mb} fields are MiB as psutil computes them. */
enum RssUnit {
  MIB("MiB", 1),
  MB("MB", 1_000_000d / (1 << 20)),
  KIB("KiB", 1d / 1024),
  BYTES("bytes", 1d / (1 << 20)),
  GIB("GiB", 1024);

  private final String label;
  private final double toMiB;

  RssUnit(String label, double toMiB) {
    this.label = label;
    this.toMiB = toMiB;
  }

  String label() {
    return label;
  }

  double toMiB(double value) {
    return value * toMiB;
  }

  /** Parses a configured {@code memory.poll.rssUnit}: MiB, MB, bytes or KiB (case-insensitive). */
  static RssUnit parse(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "mib":
        return MIB;
      case "mb":
        return MB;
      case "kib":
        return KIB;
      case "bytes":
      case "b":
        return BYTES;
      default:
        throw new IllegalArgumentException("memory.poll.rssUnit = '" + text + "' is not a unit; allowed MiB, MB, bytes or KiB");
    }
  }

  /** Unit implied by a field name: {@code _mb} MiB, {@code _gb} GiB, {@code _kb} KiB, otherwise bytes. */
  static RssUnit fromFieldName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith("_mb") || n.endsWith("_mib")) {
      return MIB;
    }
    if (n.endsWith("_gb") || n.endsWith("_gib")) {
      return GIB;
    }
    if (n.endsWith("_kb") || n.endsWith("_kib")) {
      return KIB;
    }
    return BYTES;
  }
}
