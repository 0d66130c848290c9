import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../server/platform/db/embedded.ts';
import { freePort } from '../server/platform/net.ts';
import {
  dockerignore,
  execForm,
  parseCopy,
  parseDockerfile,
  parseEnv,
  type Stage,
} from './image/dockerfile.ts';

/**
 * The container image's start path without a container engine (CI has none): copies the build
 * context by .dockerignore, runs each Dockerfile stage's steps in a temporary folder (COPY, ENV, and
 * every RUN not marked `# image only`), remaps the image's absolute paths (/data, /tmp, /etc/labdeck)
 * into a temporary root, starts the runtime stage's CMD on a real PostgreSQL (DATABASE_URL) and checks
 * /readyz, /healthz, the SPA's index and an asset, the HEALTHCHECK command, a clean SIGTERM stop, and
 * that nothing was written inside the app folder (a read-only root filesystem).
 *
 * node scripts/image-start-check.ts [--reuse-build]
 *   --reuse-build: take the build stage's output (dist/) from this checkout, built just before by the
 *   same commands (`npm ci`, `npm run build`), instead of running that stage again (CI time).
 */

const repo = path.resolve(import.meta.dirname, '..');
const reuseBuild = process.argv.includes('--reuse-build');
const root = mkdtempSync(path.join(tmpdir(), 'labdeck-image-'));
const results: [string, boolean, string?][] = [];
const check = (name: string, ok: boolean, detail?: string) => {
  results.push([name, ok, detail]);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
};

function contextFiles(): string[] {
  const ignored = dockerignore(readFileSync(path.join(repo, '.dockerignore'), 'utf8'));
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  });
  return listed.split('\0').filter((file) => file && existsSync(path.join(repo, file)) && !ignored(file));
}

/** Where an absolute path of a stage's filesystem lives on this machine: under the temporary root. */
const onHost = (stage: string, imagePath: string) => path.join(root, `fs-${stage}`, imagePath);

function runStage(
  stage: Stage,
  dirs: Map<string, string>,
  context: string,
): { dir: string; env: Record<string, string> } {
  let workdir = '/';
  const env: Record<string, string> = {};
  for (const step of stage.steps) {
    if (step.op === 'WORKDIR') {
      workdir = path.posix.resolve(workdir, step.args);
      mkdirSync(onHost(stage.name, workdir), { recursive: true });
    } else if (step.op === 'ENV') Object.assign(env, parseEnv(step.args));
    else if (step.op === 'COPY') {
      const copy = parseCopy(step.args);
      const from = copy.from ? dirs.get(copy.from) : context;
      if (!from) throw new Error(`COPY --from=${copy.from}: no such stage`);
      const dest = path.join(onHost(stage.name, workdir), copy.dest);
      for (const source of copy.sources) {
        const at = copy.from
          ? path.join(from, path.posix.relative(workdirOf(copy.from), source))
          : path.join(from, source);
        const target =
          copy.dest.endsWith('/') && source !== '.' ? path.join(dest, path.basename(source)) : dest;
        cpSync(at, target, { recursive: true });
      }
    } else if (step.op === 'RUN' && !step.imageOnly) {
      console.log(`[${stage.name}] RUN ${step.args}`);
      const started = Date.now();
      const run = spawnSync('/bin/sh', ['-c', step.args], {
        cwd: onHost(stage.name, workdir),
        env: { ...process.env, ...hostEnv(stage.name, env) },
        stdio: 'inherit',
      });
      if (run.status !== 0) throw new Error(`[${stage.name}] RUN ${step.args} exited ${run.status}`);
      console.log(`[${stage.name}] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  return { dir: onHost(stage.name, workdir), env };
}

const workdirs = new Map<string, string>();
const workdirOf = (stage: string) => workdirs.get(stage) ?? '/';

/** The image's environment with its absolute paths moved under the temporary root. */
const hostEnv = (stage: string, env: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value.startsWith('/') ? onHost(stage, value) : value]),
  );

/** Every file under `dir` with its size and mtime: to show the app folder was not written. */
function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const info = statSync(full);
        lines.push(`${path.relative(dir, full)} ${info.size} ${info.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return lines.sort().join('\n');
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`Labdeck exited with ${child.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url);
      if (res.ok) return res;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main() {
  const started = Date.now();
  const stages = parseDockerfile(readFileSync(path.join(repo, 'Dockerfile'), 'utf8'));
  const context = path.join(root, 'context');
  for (const file of contextFiles()) cpSync(path.join(repo, file), path.join(context, file));
  const dirs = new Map<string, string>();
  const runtime = stages.at(-1)!;
  let env: Record<string, string> = {};
  for (const stage of stages) {
    const workdir = stage.steps.findLast((s) => s.op === 'WORKDIR')?.args ?? '/';
    workdirs.set(stage.name, workdir);
    if (reuseBuild && stage !== runtime) {
      if (!existsSync(path.join(repo, 'dist', 'index.html')))
        throw new Error('--reuse-build: no dist/ here; run npm run build');
      dirs.set(stage.name, repo);
      console.log(`[${stage.name}] reusing this checkout's build (dist/)`);
      continue;
    }
    const ran = runStage(stage, dirs, context);
    dirs.set(stage.name, ran.dir);
    env = ran.env;
  }
  const app = dirs.get(runtime.name)!;
  console.log(
    `stages ready in ${((Date.now() - started) / 1000).toFixed(1)} s; production node_modules ${du(path.join(app, 'node_modules'))}`,
  );

  // Production packages' peer dependencies may bring some (typescript, vite): listed, not imported at run time.
  const devOnly = Object.keys(
    JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')).devDependencies,
  );
  const pulledIn = devOnly.filter((name) => existsSync(path.join(app, 'node_modules', name)));
  if (pulledIn.length) console.log(`dev dependencies present as production peers: ${pulledIn.join(', ')}`);
  const imageEnv = hostEnv(runtime.name, env);
  for (const dir of [imageEnv.LABDECK_DATA_DIR, imageEnv.TMPDIR])
    if (dir) mkdirSync(dir, { recursive: true });
  mkdirSync(path.dirname(imageEnv.LABDECK_CONFIG!), { recursive: true });
  writeFileSync(imageEnv.LABDECK_CONFIG!, 'log:\n  level: warn\n');
  const postgres = process.env.TEST_DATABASE_URL
    ? null
    : new EmbeddedPostgres({ dir: path.join(root, 'postgres') });
  await postgres?.start();
  const port = await freePort();
  const before = snapshot(app);
  chmodSync(app, 0o555); // read-only for a non-root run; as root, the snapshot below tells
  const cmd = execForm(runtime.steps.findLast((s) => s.op === 'CMD')!.args);
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(cmd[0] === 'node' ? process.execPath : cmd[0]!, cmd.slice(1), {
    cwd: app,
    // Loopback here (the image says 0.0.0.0): a CI machine's other interfaces are none of this check's business.
    env: {
      PATH: process.env.PATH,
      ...imageEnv,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? postgres!.url,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const startedAt = Date.now();
    const ready = await waitFor(`${base}/readyz`, child, 60_000);
    check(
      '/readyz answers 200 with the database up',
      ((await ready.json()) as { database?: string }).database === 'up',
      `${Date.now() - startedAt} ms after start`,
    );
    const health = await fetch(`${base}/healthz`);
    check('/healthz answers 200', health.status === 200);
    const index = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    const html = await index.text();
    check(
      "the SPA's index is served",
      index.status === 200 && html.includes('id="app"'),
      `HTTP ${index.status}`,
    );
    const asset = /\/assets\/[^"']+\.js/.exec(html)?.[0];
    const assetStatus = asset ? (await fetch(`${base}${asset}`)).status : 0;
    check('its script is served', assetStatus === 200, `${asset} HTTP ${assetStatus}`);
    const probe = execForm(runtime.steps.find((s) => s.op === 'HEALTHCHECK')!.args);
    const healthcheck = spawnSync(process.execPath, probe.slice(1), {
      env: { ...process.env, PORT: String(port) },
      timeout: 10_000,
    });
    check("the image's HEALTHCHECK command passes", healthcheck.status === 0, `exit ${healthcheck.status}`);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000)),
    ]);
    check('SIGTERM stops it cleanly', code === 0, `exit ${code}`);
    if (code === 'timeout') child.kill('SIGKILL');
    chmodSync(app, 0o755);
    check('nothing was written inside the app folder (read-only root filesystem)', snapshot(app) === before);
    await postgres?.stop();
  }
  const failed = results.filter(([, ok]) => !ok).length;
  console.log(`image start check in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed;
}

const du = (dir: string) => execFileSync('du', ['-sh', dir], { encoding: 'utf8' }).split('\t')[0];

try {
  const failed = await main();
  process.exitCode = failed ? 1 : 0;
} catch (error) {
  console.error(`image start check failed: ${(error as Error).message}`);
  console.log(
    `${results.filter(([, ok]) => ok).length} passed, ${results.filter(([, ok]) => !ok).length + 1} failed`,
  );
  process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
