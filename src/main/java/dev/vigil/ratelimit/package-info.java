/**
 * Request rate limiting ({@code ratelimit.*}): {@link dev.vigil.ratelimit.RateLimiter#create} picks
 * a local token bucket, or a Redis GCRA limit shared by all replicas with the local bucket as
 * fallback. {@link dev.vigil.ratelimit.RateLimitKey} and {@code dev.vigil.config.Rate} parse
 * the settings.
 */
package dev.vigil.ratelimit;
