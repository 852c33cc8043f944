package dev.vigil.admin;

import dev.vigil.proxy.AdminEndpoint;
import dev.vigil.proxy.ErrorReply;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The route table behind the admin surface (the endpoints themselves are listed in
 * {@link AdminApi}). Routes match the normalized path, so no spelling of a path reaches a route
 * around its checks. A known path with another method gets 405 and {@code Allow}. Mutating routes
 * need {@code Authorization: Bearer <admin.token>} (compared in constant time); without a
 * configured token they do not exist (404), and with a separate admin listener they are served
 * only there.
 */
public final class AdminRoutes implements AdminEndpoint {

  private final String prefix;
  private final byte[] token;
  private final boolean adminListenerConfigured;
  private final Map<String, Map<HttpMethod, Route>> exact = new LinkedHashMap<>();
  private final Map<String, SubPathHandler> trees = new LinkedHashMap<>();

  private record Route(Handler<HttpServerRequest> handler, boolean mutating) {
  }

  /** A handler that also receives the rest of the path below its folder route. */
  @FunctionalInterface
  public interface SubPathHandler {
    void handle(HttpServerRequest request, String rest);
  }

  public AdminRoutes(String prefix, String token, boolean adminListenerConfigured) {
    this.prefix = prefix;
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.adminListenerConfigured = adminListenerConfigured;
  }

  /** A read-only route; {@code sub} is relative to the prefix ("" is the prefix itself). */
  public AdminRoutes get(String sub, Handler<HttpServerRequest> handler) {
    exact.computeIfAbsent(sub, k -> new LinkedHashMap<>()).put(HttpMethod.GET, new Route(handler, false));
    return this;
  }

  /** A mutating route: token required, admin listener only when one is configured. */
  public AdminRoutes post(String sub, Handler<HttpServerRequest> handler) {
    exact.computeIfAbsent(sub, k -> new LinkedHashMap<>()).put(HttpMethod.POST, new Route(handler, true));
    return this;
  }

  /** A read-only folder, e.g. {@code assets/}: the handler gets the remainder of the path. */
  public AdminRoutes getTree(String folder, SubPathHandler handler) {
    trees.put(folder, handler);
    return this;
  }

  @Override
  public void handle(HttpServerRequest request, String path, boolean adminListener) {
    String sub = path.length() <= prefix.length() ? "" : path.substring(prefix.length());
    HttpMethod method = request.method() == HttpMethod.HEAD ? HttpMethod.GET : request.method();
    Map<HttpMethod, Route> byMethod = exact.get(sub);
    if (byMethod == null) {
      for (Map.Entry<String, SubPathHandler> tree : trees.entrySet()) {
        if (sub.startsWith(tree.getKey()) && sub.length() > tree.getKey().length()) {
          if (method != HttpMethod.GET) {
            methodNotAllowed(request, "GET, HEAD");
          } else {
            tree.getValue().handle(request, sub.substring(tree.getKey().length()));
          }
          return;
        }
      }
      ErrorReply.send(request, 404, "no such sidecar path: " + prefix + sub, false);
      return;
    }
    Route route = byMethod.get(method);
    if (route == null) {
      if (byMethod.values().stream().allMatch(Route::mutating) && !mutatingAvailable(adminListener)) {
        ErrorReply.send(request, 404, "no such sidecar path: " + prefix + sub, false);
        return;
      }
      TreeSet<String> allowed = new TreeSet<>();
      byMethod.keySet().forEach(m -> allowed.add(m.name()));
      if (allowed.contains("GET")) {
        allowed.add("HEAD");
      }
      methodNotAllowed(request, String.join(", ", allowed));
      return;
    }
    if (route.mutating()) {
      if (!mutatingAvailable(adminListener)) {
        ErrorReply.send(request, 404, "no such sidecar path: " + prefix + sub, false);
        return;
      }
      if (!authorized(request)) {
        request.response().putHeader("WWW-Authenticate", "Bearer realm=\"vigil\"");
        ErrorReply.send(request, 401, "missing or wrong bearer token", false);
        return;
      }
    }
    route.handler().handle(request);
  }

  /** Mutating routes exist only with a token, and only on the admin listener when there is one. */
  private boolean mutatingAvailable(boolean adminListener) {
    return token != null && (adminListener || !adminListenerConfigured);
  }

  private boolean authorized(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] sent = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(sent, token); // constant time for equal lengths
  }

  private static void methodNotAllowed(HttpServerRequest request, String allow) {
    request.response().putHeader(HttpHeaders.ALLOW, allow);
    ErrorReply.send(request, 405, "method not allowed; use " + allow, false);
  }
}
