// What `npm run lab` started, kept in .lab/state.json so that a later `npm run lab`, `lab:status`,
// `lab:logs` and `lab:down` find the same processes by PID (and nothing else).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One started part of the lab: the sessions it leads, where it logs and what Labdeck's config needs of it. */
export interface ComponentState {
  pids: number[];
  logFiles: string[];
  port: number | null;
  url: string | null;
  startedAt: string;
  /** Facts later components need (a bootstrap address, credentials); stays on this machine. */
  info: Record<string, unknown>;
}

export interface LabState {
  components: Record<string, ComponentState>;
  /** Secrets made once per lab (Keycloak client secret, lineage producer key...). */
  secrets: Record<string, string>;
}

export const labRoot = path.resolve(import.meta.dirname, '..', '..', '.lab');
const stateFile = path.join(labRoot, 'state.json');

export function readState(): LabState {
  if (!existsSync(stateFile)) return { components: {}, secrets: {} };
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<LabState>;
    return { components: state.components ?? {}, secrets: state.secrets ?? {} };
  } catch (error) {
    throw new Error(
      `${stateFile} is not readable JSON (${(error as Error).message}): run lab:down, then delete it`,
    );
  }
}

/** Writes the whole state at once (a rename), readable only by this user: it holds the lab's secrets. */
export function writeState(state: LabState): void {
  mkdirSync(labRoot, { recursive: true });
  const temporary = `${stateFile}.${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, stateFile);
}

/** The named secret of this lab, made on first use. */
export function labSecret(state: LabState, name: string): string {
  state.secrets[name] ??= randomBytes(24).toString('base64url');
  return state.secrets[name];
}

/** Whether process `pid` exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}
