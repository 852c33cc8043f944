package dev.vigil.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Port helpers for {@code run} mode. */
public final class Ports {

  private Ports() {
  }

  /**
   * A loopback port that was free a moment ago (the kernel picks it; the socket is closed at once).
   * Call it before the child starts, not on an event loop (it binds a socket).
   */
  public static int freeLoopbackPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }
}
