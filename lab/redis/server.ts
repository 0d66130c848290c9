// A real Redis for tests: Debian's `redis-server` (`apt-get install -y redis-server`, done by .ci/run),
// in memory only (no RDB/AOF), on a free port of 127.0.0.1, optionally with a password.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptsConnections, freePort, logTail, notInstalled, restartable, spawnLogged } from '../process.ts';

export const REDIS_INSTALL_HINT = 'apt-get install -y redis-server';

export interface RedisServer {
  /** redis://[:password@]127.0.0.1:<port> */
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Throws a message naming the install command when Debian's redis-server is missing. */
export function assertRedisInstalled(binary = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'): string {
  if (!existsSync(binary)) throw notInstalled('redis-server', binary, REDIS_INSTALL_HINT);
  return binary;
}

export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const binary = assertRedisInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'labdeck-redis-'));
  const port = await freePort();
  const logFile = join(dir, 'redis.log');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  if (options.password) args.push('--requirepass', options.password);
  const { start, stop } = restartable(5_000, async () => ({
    child: spawnLogged(binary, args, logFile, { cwd: dir }),
    ready: {
      name: 'Redis',
      goal: `accept connections on 127.0.0.1:${port}`,
      timeoutMs: 20_000,
      probe: async () => (await acceptsConnections(port)) || '',
      tail: logTail(logFile),
    },
  }));
  await start();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return { url: `redis://${auth}127.0.0.1:${port}`, port, start, stop };
}
