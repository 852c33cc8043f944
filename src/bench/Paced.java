import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * A paced (open-loop) HTTP/1.1 load client for the benchmark: {@code rate} GETs per second spread
 * evenly over {@code connections} keep-alive connections, each request due at its own instant
 * (request i at start + i / rate). Latency is measured from that due instant, not from when the
 * request could be sent, so a stall is charged to every request it delays (no coordinated
 * omission). Unlike {@code hey -q}, whose workers all tick together and so send bursts of
 * {@code -c} requests at once, arrivals here are evenly spaced.
 *
 * <pre>java src/bench/Paced.java http://127.0.0.1:18080/ 2000 10 20</pre>
 *
 * Prints "p50_ms p90_ms p99_ms p999_ms max_ms errors" over {@code seconds}, after one more second
 * of warm-up that is not counted.
 */
public final class Paced {

  public static void main(String[] args) throws Exception {
    java.net.URI url = java.net.URI.create(args[0]);
    int rate = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int connections = Integer.parseInt(args[3]);
    int warmup = rate; // the first second warms up the client's own JIT and is not counted
    int total = rate * (seconds + 1);
    long intervalNanos = 1_000_000_000L / rate;
    byte[] request = ("GET " + (url.getRawPath().isEmpty() ? "/" : url.getRawPath()) + " HTTP/1.1\r\nHost: "
        + url.getHost() + ":" + url.getPort() + "\r\nUser-Agent: paced\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    long[] latencies = new long[total];
    int[] errors = new int[1];
    long start = System.nanoTime() + 200_000_000L; // time for every connection to open first
    Thread[] workers = new Thread[connections];
    for (int c = 0; c < connections; c++) {
      int first = c;
      workers[c] = new Thread(() -> {
        boolean[] retried = {false};
        Socket socket = null;
        try {
          OutputStream out = null;
          InputStream in = null;
          for (int i = first; i < total; i += connections) {
            long due = start + i * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
              LockSupport.parkNanos(wait);
            }
            try {
              if (socket == null) { // first request, or the server ended the last connection
                socket = new Socket(url.getHost(), url.getPort());
                socket.setTcpNoDelay(true);
                out = socket.getOutputStream();
                in = new java.io.BufferedInputStream(socket.getInputStream(), 16 * 1024);
              }
              out.write(request);
              out.flush();
              int status = readResponse(in);
              latencies[i] = System.nanoTime() - due;
              retried[0] = false;
              if (status / 100 != 2) {
                synchronized (errors) {
                  errors[0]++;
                }
              }
            } catch (IOException e) {
              // nginx closes a keep-alive connection after 1000 requests: reconnect and resend once.
              try {
                socket.close();
              } catch (IOException ignored) {
                // already closed
              }
              socket = null;
              if (!retried[0]) {
                i -= connections;
              }
              retried[0] = !retried[0];
            }
          }
        } finally {
          if (socket != null) {
            try {
              socket.close();
            } catch (IOException ignored) {
              // done anyway
            }
          }
        }
      }, "paced-" + c);
      workers[c].start();
    }
    for (Thread t : workers) {
      t.join();
    }
    long[] sorted = Arrays.stream(latencies, warmup, total).filter(l -> l > 0).sorted().toArray();
    System.out.printf("%.2f %.2f %.2f %.2f %.2f %d%n", pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99),
        pct(sorted, 0.999), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6, errors[0] + (total - warmup) - sorted.length);
  }

  private static double pct(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
  }

  /** Reads one response with a Content-Length body; returns its status. */
  private static int readResponse(InputStream in) throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long length = 0;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Long.parseLong(h.substring(15).trim());
      }
    }
    for (long i = 0; i < length; i++) {
      if (in.read() < 0) {
        throw new IOException("closed mid-body");
      }
    }
    return status;
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }
}
