// Run the lab Trino in the foreground: `node lab/trino/cli.ts` (port 8085 or $TRINO_PORT).
// Stops on SIGINT/SIGTERM. Install first with `bash lab/trino/install.sh`.
import { startTrino } from './server.ts';

const port = Number(process.env.TRINO_PORT ?? 8085);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`trino: bad TRINO_PORT ${process.env.TRINO_PORT}`);
  process.exit(2);
}

const started = Date.now();
console.error(`trino: starting on port ${port} ...`);
let server: Awaited<ReturnType<typeof startTrino>>;
try {
  server = await startTrino({ port });
} catch (err) {
  console.error(`trino: ${(err as Error).message}`);
  process.exit(1);
}
console.error(
  `trino: ready at ${server.url} in ${((Date.now() - started) / 1000).toFixed(1)}s, log in ${server.logFile} (Ctrl+C to stop)`,
);

const keepAlive = setInterval(() => {}, 1 << 30);
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.error(`trino: ${signal}, stopping ...`);
  await server.stop();
  clearInterval(keepAlive);
  console.error('trino: stopped');
  process.exit(0);
};
void server.exited.then(({ code, signal }) => {
  if (stopping) return;
  console.error(
    `trino: server exited unexpectedly (code ${code}, signal ${signal}); log in ${server.logFile}`,
  );
  process.exit(1);
});
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
