/**
 * The whole lab on this machine, as plain processes that outlive this command:
 *   npm run lab              start what is not running yet (twice starts nothing twice), then Labdeck on it
 *   npm run lab:status       what runs: ports, PIDs, health, memory (--verbose: CPU and totals)
 *   npm run lab:logs <name>  a part's log (-f to follow)
 *   npm run lab:down         stop what the lab started, by recorded PID, nothing else
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  acceptsConnections,
  keptFor,
  outliveThisProcess,
  sessionMembers,
  sessionRss,
  stopSession,
  takeKeptProcesses,
} from './process.ts';
import { type LabComponent, labComponents, labdeckAddress, labPorts } from './stack/components.ts';
import { labdeckConfigChanged } from './stack/labdeck-config.ts';
import { alive, type ComponentState, type LabState, readState, writeState } from './stack/state.ts';

const stopGraceMs = 20_000;

/**
 * Whether a recorded session still has a live process: its leader, or what it started when only the
 * leader was killed by hand (Airflow's scheduler outlives a SIGKILLed `airflow standalone`). A PID the
 * system gave to an unrelated process meanwhile leads no session of that id, so it does not count.
 */
const sessionLives = (pid: number): boolean => (sessionMembers(pid) ?? (alive(pid) ? [pid] : [])).length > 0;
const running = (record: ComponentState | undefined): boolean => Boolean(record?.pids.some(sessionLives));

/** Stops every session the part recorded, also one whose leader is gone but whose children hold its port. */
async function stopComponent(state: LabState, name: string): Promise<void> {
  const record = state.components[name];
  if (!record) return;
  await Promise.all(record.pids.filter(sessionLives).map((pid) => stopSession(pid, stopGraceMs)));
  delete state.components[name];
  writeState(state);
}

type Outcome = 'running' | 'started' | Error;

/** Whether a running part answers at one of `attempts` checks 2 s apart (a busy machine is not a hung part). */
async function answersWithin(
  component: LabComponent,
  record: ComponentState,
  attempts: number,
): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (await component.healthy(record)) return true;
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return false;
}

/**
 * Starts one part unless it runs and answers, once the parts it needs are up; returns whether it
 * (re)started, or why it could not.
 */
async function ensure(
  state: LabState,
  component: LabComponent,
  needed: Promise<Outcome>[] = [],
): Promise<Outcome> {
  const { name } = component;
  await Promise.all(needed);
  const record = state.components[name];
  if (record && running(record) && (await answersWithin(component, record, 3))) return 'running';
  if (record) await stopComponent(state, name); // gone, or hung: its port must be free again
  const missing = component.needs.filter((need) => !running(state.components[need]));
  if (missing.length) return new Error(`not started: it needs ${missing.join(', ')}`);
  for (const port of component.ports) {
    if (await acceptsConnections(port))
      return new Error(
        `port ${port} is taken by another program (set LAB_${name.toUpperCase().replace(/-/g, '_')}_PORT)`,
      );
  }
  const began = Date.now();
  try {
    const started = await keptFor(name, () => component.start(state));
    const kept = takeKeptProcesses(name);
    state.components[name] = {
      pids: [...(started.pids ?? []), ...kept.map(({ pid }) => pid)],
      logFiles: [...new Set(kept.map(({ logFile }) => logFile))],
      port: started.port,
      url: started.url,
      startedAt: new Date().toISOString(),
      info: started.info ?? {},
    };
    writeState(state);
    console.error(`lab: ${component.title} ready in ${((Date.now() - began) / 1000).toFixed(0)} s`);
    return 'started';
  } catch (error) {
    for (const { pid } of takeKeptProcesses(name)) await stopSession(pid, stopGraceMs);
    return error as Error;
  }
}

/** Starts `components` in parallel, each once the ones it needs or uses (`after`) are up or have failed. */
function startInOrder(state: LabState, components: LabComponent[]): Promise<Outcome[]> {
  const outcomes = new Map<string, Promise<Outcome>>();
  for (const component of components) {
    const needed = [...component.needs, ...(component.after ?? [])]
      .map((need) => outcomes.get(need))
      .filter((outcome) => outcome !== undefined);
    outcomes.set(component.name, ensure(state, component, needed));
  }
  return Promise.all(outcomes.values());
}

async function up(): Promise<number> {
  outliveThisProcess();
  const state = readState();
  const [labdeck, ...others] = [
    labComponents.find((component) => component.name === 'labdeck')!,
    ...labComponents.filter((component) => component.name !== 'labdeck'),
  ];
  console.error('lab: starting what is not running yet (a first start takes a few minutes) ...');
  const outcomes = await startInOrder(state, others);
  // Labdeck's config lists what runs: a part that just started needs a Labdeck that knows it.
  if (labdeckConfigChanged(state, labPorts.labdeck)) await stopComponent(state, 'labdeck');
  outcomes.push(await ensure(state, labdeck!));
  let failed = 0;
  [...others, labdeck!].forEach((component, index) => {
    const outcome = outcomes[index];
    if (!(outcome instanceof Error)) return;
    if (!component.optional) failed++;
    console.error(
      `\nlab: ${component.title} did not start${component.optional ? ' (optional)' : ''}: ${outcome.message}`,
    );
  });
  await status(false);
  if (running(state.components.labdeck)) {
    console.error(
      `\nLabdeck: ${labdeckAddress(state)}  (sign in as analyst / analyst-demo, operator / operator-demo or admin / admin-demo)`,
    );
    console.error(
      "Stop everything with `npm run lab:down`; see a part's log with `npm run lab:logs <name>`.",
    );
  }
  return failed ? 1 : 0;
}

/** CPU seconds the session's processes used so far, with their children that exited (utime + stime + cutime + cstime from /proc). */
function sessionCpuSeconds(sid: number): number {
  let ticks = 0;
  for (const pid of sessionMembers(sid) ?? []) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // Exited meanwhile.
    }
  }
  return ticks / 100;
}

async function status(verbose: boolean): Promise<number> {
  const state = readState();
  const rows: string[][] = [
    ['part', 'state', 'port', 'pids', 'RSS MiB', ...(verbose ? ['CPU avg'] : []), 'address'],
  ];
  let totalRss = 0;
  let totalCores = 0;
  for (const component of labComponents) {
    const record = state.components[component.name];
    if (!record) {
      rows.push([component.name, 'not started', '', '', '', ...(verbose ? [''] : []), '']);
      continue;
    }
    const live = record.pids.filter(sessionLives);
    const verdict = !live.length ? 'down' : (await component.healthy(record)) ? 'up' : 'not answering';
    const rss = live.reduce((sum, pid) => sum + sessionRss(pid), 0);
    const seconds = (Date.now() - Date.parse(record.startedAt)) / 1000;
    const cores = live.reduce((sum, pid) => sum + sessionCpuSeconds(pid), 0) / Math.max(seconds, 1);
    totalRss += rss;
    totalCores += cores;
    rows.push([
      component.name,
      verdict,
      String(record.port ?? ''),
      record.pids.join(' '),
      (rss / 2 ** 20).toFixed(0),
      ...(verbose ? [`${(cores * 100).toFixed(0)}%`] : []),
      record.url ?? '',
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log(
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n'),
  );
  const gate = state.components.gate;
  if (gate && running(gate)) {
    console.log('\nOpen in a browser (behind the gate, one sign-in at Labdeck for all):');
    for (const [name, url] of Object.entries(gate.info.urls as Record<string, string>))
      console.log(`  ${name.padEnd(8)} ${url}`);
  }
  if (verbose)
    console.log(
      `\ntotal: ${(totalRss / 2 ** 30).toFixed(2)} GiB resident, ${(totalCores * 100).toFixed(0)}% of one core on average since each part started`,
    );
  return 0;
}

function logs(name: string | undefined, follow: boolean): number {
  const record = name ? readState().components[name] : undefined;
  if (!name || !record) {
    console.error(
      `usage: npm run lab:logs <${labComponents.map((component) => component.name).join('|')}> [-f]`,
    );
    if (name) console.error(`lab: ${name} has not been started`);
    return 2;
  }
  const files = [
    ...record.logFiles,
    ...(typeof record.info.logFile === 'string' ? [record.info.logFile] : []),
  ];
  const tail = spawn('tail', ['-n', '100', ...(follow ? ['-F'] : []), ...new Set(files)], {
    stdio: 'inherit',
  });
  tail.on('exit', (code) => process.exit(code ?? 0));
  return -1;
}

async function down(): Promise<number> {
  const state = readState();
  for (const component of [...labComponents].reverse()) {
    if (!state.components[component.name]) continue;
    console.error(`lab: stopping ${component.title} ...`);
    await stopComponent(state, component.name);
  }
  console.error('lab: stopped');
  return 0;
}

const [command = 'up', ...args] = process.argv.slice(2);
const commands: Record<string, () => Promise<number> | number> = {
  up,
  status: () => status(args.includes('--verbose') || args.includes('-v')),
  logs: () =>
    logs(
      args.find((arg) => !arg.startsWith('-')),
      args.includes('-f') || args.includes('--follow'),
    ),
  down,
};
const run = commands[command];
if (!run) {
  console.error(`usage: node lab/cli.ts [${Object.keys(commands).join('|')}]`);
  process.exit(2);
}
const code = await run();
if (code >= 0) process.exit(code);
