package dev.vigil.proxy;

import org.junit.jupiter.api.Nested;

/**
 * The proxy tests that reach the upstream side, run again with {@code upstream.engine: vertx}
 * (Vert.x's HTTP client; the default engine is netty, which every other test uses).
 */
class VertxEngineTest {

  @Nested
  class Forwarding extends ForwardingTest {
    @Override
    String engine() {
      return "vertx";
    }
  }

  @Nested
  class Failure extends FailureTest {
    @Override
    String engine() {
      return "vertx";
    }
  }

  @Nested
  class Streaming extends StreamingTest {
    @Override
    String engine() {
      return "vertx";
    }
  }

  @Nested
  class LargeTransfer extends LargeTransferTest {
    @Override
    String engine() {
      return "vertx";
    }
  }

  @Nested
  class UpstreamFraming extends UpstreamFramingTest {
    @Override
    String engine() {
      return "vertx";
    }
  }

  @Nested
  class PooledMemory extends PooledMemoryTest {
    @Override
    String engine() {
      return "vertx";
    }
  }

  @Nested
  class SwitchTarget extends SwitchTargetTest {
    @Override
    String engine() {
      return "vertx";
    }
  }
}
