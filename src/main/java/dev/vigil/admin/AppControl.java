package dev.vigil.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** What the admin surface needs of recycling: {@code health/app-live} and {@code POST app/recycle}. */
public interface AppControl {

  /** Recycling off: app-live always answers 200 and a recycle by hand is refused. */
  AppControl NONE = new AppControl() {
    @Override
    public boolean appLive() {
      return true;
    }

    @Override
    public Future<JsonObject> recycleNow() {
      return Future.failedFuture(new IllegalStateException("recycling is off (recycle.enabled: false)"));
    }
  };

  /** False once a recycle is due and the app is drained. */
  boolean appLive();

  /** Recycles now; fails with a plain message when it cannot (off, running, another replica). */
  Future<JsonObject> recycleNow();
}
