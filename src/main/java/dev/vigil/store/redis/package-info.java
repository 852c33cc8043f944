/**
 * Optional shared state in Redis ({@code redis.url}): {@link dev.vigil.store.redis.RedisStore} owns
 * the only connection (bounded commands, reconnect with back-off, fallback mode), and small
 * single-purpose classes build on it: {@link dev.vigil.store.redis.LeaderLock} (one keep-alive
 * pinger per application), {@link dev.vigil.store.redis.FleetRegistry} (fleet health) and
 * {@link dev.vigil.store.redis.MemoryHistoryStore} (memory samples that survive a restart). Every
 * multi-step update is one atomic Lua script, so one pipelined connection is safe to share.
 */
package dev.vigil.store.redis;
