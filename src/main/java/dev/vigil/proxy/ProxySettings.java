package dev.vigil.proxy;

import dev.vigil.config.VigilConfig;

/** The proxy's view of the configuration, copied into final fields once (the hot path reads these). */
record ProxySettings(
    String upstreamHost,
    int upstreamPort,
    boolean upstreamSsl,
    String upstreamBasePath,
    String upstreamAuthority,
    boolean rewriteHost,
    long connectTimeoutMs,
    long requestTimeoutMs,
    long idleTimeoutMs,
    long maxBodySize,
    int maxInFlight,
    String adminPrefix,
    boolean lenient) {

  static ProxySettings from(VigilConfig c) {
    var up = c.upstream();
    int port = up.port();
    boolean defaultPort = (port == 80 && !up.ssl()) || (port == 443 && up.ssl());
    return new ProxySettings(up.host(), port, up.ssl(), up.basePath(),
        defaultPort ? up.host() : up.host() + ":" + port, up.rewriteHost(),
        up.connectTimeout().toMillis(), c.proxy().requestTimeout().toMillis(), c.proxy().idleTimeout().toMillis(),
        c.proxy().maxBodySize(), c.proxy().maxInFlight(), c.admin().prefix(),
        c.proxy().lenient());
  }
}
