package dev.vigil.net;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Turns a failed outbound call into the few plain words an issue sentence needs ("connection
 * refused", "timed out after 2 s"). Transport exceptions carry Netty's wording
 * ("finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:59397"), which
 * belongs in the log, not in a sentence meant for people.
 */
public final class TransportErrors {

  private static final System.Logger LOG = System.getLogger("dev.vigil.net");
  private static final int MAX_TEXT = 200;

  private TransportErrors() {
  }

  /**
   * Plain words for {@code error}.
   *
   * @param timeout the deadline the call had, named when it timed out
   */
  public static String plain(Throwable error, Duration timeout) {
    Throwable e = rootOf(error);
    String message = e.getMessage() == null ? "" : e.getMessage();
    String lower = message.toLowerCase(Locale.ROOT);
    String name = e.getClass().getName();
    if (e instanceof TimeoutException || name.endsWith("TimeoutException") || lower.contains("timed out")) {
      return "timed out after " + humanize(timeout);
    }
    if (e instanceof UnknownHostException) {
      return "host name not found";
    }
    if (e instanceof NoRouteToHostException || lower.contains("no route to host")) {
      return "no route to host";
    }
    if (lower.contains("connection refused")) {
      return "connection refused";
    }
    if (lower.contains("connection reset")) {
      return "connection reset by the app";
    }
    if (e instanceof ConnectException) {
      return "could not connect";
    }
    if (e instanceof SSLException) {
      return "TLS handshake failed";
    }
    if (lower.contains("closed")) {
      return "connection closed before an answer";
    }
    String text = message.isBlank() ? e.getClass().getSimpleName() : message;
    return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
  }

  /** Like {@link #plain}, and logs the raw error so nothing of it is lost. */
  public static String plainAndLog(String what, Throwable error, Duration timeout) {
    String plain = plain(error, timeout);
    LOG.log(System.Logger.Level.INFO, () -> what + ": " + plain + " (" + error + ")");
    return plain;
  }

  /** "answered 503": the sentence for an HTTP status that counts as a failure. */
  public static String answered(int status) {
    return "answered " + status;
  }

  /** People's style: {@code 500 ms}, {@code 2 s}, {@code 1.5 s}, {@code 3 min}. */
  public static String humanize(Duration d) {
    long ms = Math.max(0, d.toMillis());
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 90_000) {
      return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    if (ms < 90 * 60_000) {
      return Math.round(ms / 60_000.0) + " min";
    }
    return String.format(Locale.ROOT, "%.1f h", ms / 3_600_000.0);
  }

  private static Throwable rootOf(Throwable error) {
    Throwable e = error;
    for (int i = 0; i < 8 && e.getCause() != null && e.getCause() != e; i++) {
      if (e instanceof TimeoutException || e instanceof ConnectException) {
        break; // these already say what happened
      }
      e = e.getCause();
    }
    return e;
  }
}
