import type { Db } from '../../../platform/db/pool.ts';
import { notFound } from '../../../platform/errors.ts';
import type { User } from '../../../platform/identity.ts';
import type { ServicesConfig } from '../config.ts';
import type { BrowserCheckList, BrowserCheckShot } from '../contract.ts';
import type { ServiceDef } from '../types.ts';
import { BrowserChecks } from './checks.ts';
import { BrowserPool } from './pool.ts';
import { BrowserCheckStore, type Screenshot, type ShotRow } from './store.ts';

/**
 * Browser checks as the services module owns them: the shared Chromium (started at the first check), the
 * runner the scheduler hands to `browser` probes, and what the API reads back.
 */
export class BrowserCheckDesk {
  readonly pool: BrowserPool;
  readonly runner: BrowserChecks;
  readonly #store: BrowserCheckStore;

  constructor(db: Db, config: ServicesConfig['browserChecks'], onCrash: () => void) {
    this.#store = new BrowserCheckStore(db);
    this.pool = new BrowserPool({
      concurrency: config.concurrency,
      executablePath: config.executablePath,
      onCrash,
    });
    this.runner = new BrowserChecks(
      this.pool,
      (evidence) => this.#store.save(evidence, config.keepFailures),
      {
        maxTraceBytes: config.maxTraceBytes,
      },
    );
  }

  /** The last report and the screenshots of a service the user may see (images and traces only if allowed). */
  async list(user: User, service: ServiceDef): Promise<BrowserCheckList> {
    const screenshots = mayViewShots(user, service);
    const [last, shots] = await Promise.all([this.#store.last(service.id), this.#store.shots(service.id)]);
    const base = `/api/services/${service.id}/checks/`;
    const view = (row: ShotRow): BrowserCheckShot => ({
      id: row.id,
      at: row.at.toISOString(),
      ok: row.ok,
      step: row.step,
      kind: row.kind,
      message: row.message,
      image: screenshots ? `${base}${row.id}.${row.mime === 'image/png' ? 'png' : 'jpg'}` : null,
      trace: screenshots && row.hasTrace ? `${base}${row.id}.zip` : null,
      traceNote: row.traceNote,
    });
    return {
      id: service.id,
      last,
      lastGood: shots.find((row) => row.ok) ? view(shots.find((row) => row.ok)!) : null,
      failures: shots.filter((row) => !row.ok).map(view),
      screenshots,
    };
  }

  async image(user: User, service: ServiceDef, shot: string): Promise<Screenshot> {
    if (!mayViewShots(user, service)) throw notFound(`No screenshot ${shot}`);
    const image = await this.#store.image(service.id, Number.parseInt(shot, 10));
    if (!image) throw notFound(`No screenshot ${shot}`);
    return image;
  }

  /** A failure's trace zip, under the same rule as its screenshot. */
  async trace(user: User, service: ServiceDef, shot: string): Promise<Buffer> {
    if (!mayViewShots(user, service)) throw notFound(`No trace ${shot}`);
    const zip = await this.#store.trace(service.id, Number.parseInt(shot, 10));
    if (!zip) throw notFound(`No trace ${shot}`);
    return zip;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Who sees the service sees its screenshots, unless the check says `screenshots: admins`. */
function mayViewShots(user: User, service: ServiceDef): boolean {
  if (service.probe?.type !== 'browser') return true;
  return service.probe.screenshots !== 'admins' || user.roles.includes('admin');
}
