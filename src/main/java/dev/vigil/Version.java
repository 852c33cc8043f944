package dev.vigil;

/** The build's version, from the jar manifest. */
final class Version {

  private Version() {
  }

  static String get() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }
}
