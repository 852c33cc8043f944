package dev.vigil.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.httpproxy.HttpProxy;

/**
 * vertx-http-proxy as a bare reverse proxy, for src/bench/load.sh to measure against Vigil's own
 * forwarding in the same run: one server and one client per event loop, as Vigil deploys them,
 * native transport, keep-alive upstream pool, no interceptors. Not shipped (test scope).
 *
 * <pre>java -cp ... dev.vigil.bench.HttpProxyMain 18082 127.0.0.1 18000</pre>
 */
public final class HttpProxyMain extends VerticleBase {

  private final int port;
  private final String upstreamHost;
  private final int upstreamPort;

  private HttpProxyMain(int port, String upstreamHost, int upstreamPort) {
    this.port = port;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
  }

  @Override
  public Future<?> start() {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(64));
    HttpProxy proxy = HttpProxy.reverseProxy(client).origin(upstreamPort, upstreamHost);
    HttpServer server = vertx.createHttpServer().requestHandler(proxy);
    return server.listen(port, "127.0.0.1");
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    String host = args[1];
    int upstreamPort = Integer.parseInt(args[2]);
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true)
        .setWorkerPoolSize(4).setInternalBlockingPoolSize(2));
    vertx.deployVerticle(() -> new HttpProxyMain(port, host, upstreamPort), new DeploymentOptions().setInstances(loops))
        .await();
    System.out.println("vertx-http-proxy listening on 127.0.0.1:" + port + " (native transport: "
        + vertx.isNativeTransportEnabled() + ")");
  }
}
