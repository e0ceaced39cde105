/**
 * A private redis-server for tests (the library's embedded one): a free port, a temporary
 * directory, no persistence. Tests never touch a Redis they did not start.
 */
export {
  type EmbeddedRedis as RedisServer,
  freePort,
  startEmbeddedRedis as startRedisServer,
} from '../../src/redis/embedded-redis.js';
