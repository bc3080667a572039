// The cluster's Redis connections (ioredis). Commands fail at once while Redis cannot be
// reached (no offline queue): a node must not act on a decision it could not make, and a
// queue of stale lease renewals replayed minutes later would be wrong. ioredis reconnects by
// itself, forever, at most a second apart; subscriptions are renewed on reconnection.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type RedisClient = Redis;

/** A connection for commands; `log` hears of each outage once, and of its end. */
export function connectRedis(url: string, name: string, log: Logger, subscriber = false): RedisClient {
  const redis = new Redis(url, {
    connectionName: name,
    // A subscriber's SUBSCRIBE may wait for the connection; commands may not.
    enableOfflineQueue: subscriber,
    maxRetriesPerRequest: subscriber ? null : 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message, connection: name }, 'Redis is unreachable: Spaces in progress go on; placements wait for it');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ connection: name }, 'Redis is back');
  });
  return redis;
}

/** Resolves once the connection is ready; rejects after `timeoutMs` with a message for the operator. */
export function whenReady(redis: RedisClient, url: string, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      reject(new Error(`cannot reach Redis at ${redactUrl(url)} (SPACES_REDIS_URL) within ${timeoutMs} ms`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', ready);
  });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
