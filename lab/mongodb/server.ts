// A MongoDB-protocol server for tests and the lab: FerretDB over SQLite (lab/mongodb/install.sh builds
// lab/mongodb/ferretdb from the Go module proxy) in a fresh folder, on a free port of 127.0.0.1. MongoDB's own server is on no
// registry these machines reach; FerretDB answers the same `hello` and `serverStatus` commands.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acceptsConnections, freePort, logTail, notInstalled, restartable, spawnLogged } from '../process.ts';

export const MONGODB_INSTALL_HINT = 'npm run lab:install (lab/mongodb/install.sh builds FerretDB with go)';
const binary = path.resolve(import.meta.dirname, '../../.lab/mongodb/bin/ferretdb');

export interface MongodbServer {
  /** mongodb://127.0.0.1:<port>/ */
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Throws a message naming the install command when FerretDB is not built. */
export function assertMongodbInstalled(): string {
  if (!existsSync(binary)) throw notInstalled('FerretDB', binary, MONGODB_INSTALL_HINT);
  return binary;
}

export async function startMongodb(options: { dir?: string; port?: number } = {}): Promise<MongodbServer> {
  const ferretdb = assertMongodbInstalled();
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'labdeck-mongodb-'));
  const data = path.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const port = options.port ?? (await freePort());
  const logFile = path.join(dir, 'ferretdb.log');
  const args = [`--listen-addr=127.0.0.1:${port}`, `--sqlite-url=file:${data}/`];
  const { start, stop } = restartable(5_000, async () => ({
    child: spawnLogged(ferretdb, args, logFile, { cwd: dir }),
    ready: {
      name: 'FerretDB',
      goal: `accept connections on 127.0.0.1:${port}`,
      timeoutMs: 20_000,
      probe: async () => (await acceptsConnections(port)) || '',
      tail: logTail(logFile),
    },
  }));
  await start();
  return { url: `mongodb://127.0.0.1:${port}/`, port, start, stop };
}
