import type { Db } from '../../../platform/db/pool.ts';
import type { BrowserCheckReport, BrowserStepKind } from '../contract.ts';
import type { KeptTrace } from './trace.ts';

export interface Screenshot {
  image: Buffer;
  mime: 'image/png' | 'image/jpeg';
}

/**
 * What a browser check leaves behind: its report and, for a failure or a fresh good one, a screenshot; a
 * failure also its trace (or why there is none).
 */
export interface CheckEvidence {
  serviceId: string;
  report: BrowserCheckReport;
  shot: Screenshot | null;
  trace: KeptTrace | null;
}

export interface ShotRow {
  id: number;
  at: Date;
  ok: boolean;
  step: number | null;
  kind: BrowserStepKind | null;
  message: string | null;
  mime: Screenshot['mime'];
  hasTrace: boolean;
  traceNote: string | null;
}

/** SQL of browser checks: the last report per service and the screenshots, bounded per service. */
export class BrowserCheckStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async save({ serviceId, report, shot, trace }: CheckEvidence, keepFailures: number): Promise<void> {
    await this.#db.transaction(async (client) => {
      await client.query(
        `INSERT INTO browser_check_last (service_id, report) VALUES ($1, $2)
         ON CONFLICT (service_id) DO UPDATE SET report = excluded.report`,
        [serviceId, JSON.stringify(report)],
      );
      if (!shot) return;
      const ok = report.status !== 'down';
      await client.query(
        `INSERT INTO browser_check_shots (service_id, at, ok, step, kind, message, mime, image, trace, trace_note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          serviceId,
          new Date(report.at),
          ok,
          report.failed?.n ?? null,
          report.failed?.kind ?? null,
          report.failed?.message ?? null,
          shot.mime,
          shot.image,
          trace?.zip ?? null,
          trace && !trace.zip ? trace.reason : null,
        ],
      );
      // Only the newest good screenshot, and the newest `keepFailures` failures.
      await client.query(
        `DELETE FROM browser_check_shots WHERE service_id = $1 AND ok = $2 AND id NOT IN (
           SELECT id FROM browser_check_shots WHERE service_id = $1 AND ok = $2 ORDER BY at DESC, id DESC LIMIT $3)`,
        [serviceId, ok, ok ? 1 : keepFailures],
      );
    });
  }

  async last(serviceId: string): Promise<BrowserCheckReport | null> {
    const { rows } = await this.#db.query<{ report: BrowserCheckReport }>(
      'SELECT report FROM browser_check_last WHERE service_id = $1',
      [serviceId],
    );
    return rows[0]?.report ?? null;
  }

  /** Screenshots of a service without their images, newest first. */
  async shots(serviceId: string): Promise<ShotRow[]> {
    const { rows } = await this.#db.query<ShotRow>(
      `SELECT id::int8 AS id, at, ok, step, kind, message, mime, trace IS NOT NULL AS "hasTrace",
         trace_note AS "traceNote" FROM browser_check_shots
       WHERE service_id = $1 ORDER BY at DESC, id DESC`,
      [serviceId],
    );
    return rows.map((row) => ({ ...row, id: Number(row.id) }));
  }

  async image(serviceId: string, id: number): Promise<Screenshot | null> {
    const { rows } = await this.#db.query<Screenshot>(
      'SELECT image, mime FROM browser_check_shots WHERE service_id = $1 AND id = $2',
      [serviceId, id],
    );
    return rows[0] ?? null;
  }

  async trace(serviceId: string, id: number): Promise<Buffer | null> {
    const { rows } = await this.#db.query<{ trace: Buffer | null }>(
      'SELECT trace FROM browser_check_shots WHERE service_id = $1 AND id = $2',
      [serviceId, id],
    );
    return rows[0]?.trace ?? null;
  }
}
