import { expect } from 'vitest';
import { type TestApp, userClient } from '../../../../test/harness.ts';
import type { BrowserCheckList } from '../../contract.ts';

/** The service's checks once its first one has run, read as a lab admin through the API. */
export async function firstCheck(app: TestApp, id: string, withinMs = 150_000): Promise<BrowserCheckList> {
  const admin = userClient(app.url, { id: 'ada', groups: ['lab-admins'] });
  const until = Date.now() + withinMs;
  for (;;) {
    const res = await admin.get(`/api/services/${id}/checks`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as BrowserCheckList;
    if (list.last) return list;
    if (Date.now() > until) throw new Error(`no browser check of ${id} within ${withinMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
