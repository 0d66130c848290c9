import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import BrowserCheckResult from './BrowserCheckResult.vue';
import type { BrowserCheckList } from './types';

const failedCheck: BrowserCheckList = {
  id: 'airflow',
  screenshots: true,
  last: {
    at: new Date(Date.now() - 30_000).toISOString(),
    status: 'down',
    totalMs: 4210,
    lcpMs: 312,
    steps: [
      { n: 1, kind: 'goto', target: 'https://airflow.lab/', ms: 420 },
      { n: 2, kind: 'waitFor', target: 'text=DAGs', ms: 3790 },
    ],
    failed: { n: 2, kind: 'waitFor', target: 'text=DAGs', message: 'timed out after 3790 ms' },
  },
  failures: [
    {
      id: 7,
      at: '2026-12-03T10:00:00.000Z',
      ok: false,
      step: 2,
      kind: 'waitFor',
      message: 'timed out after 3790 ms',
      image: '/api/services/airflow/checks/7.jpg',
      trace: '/api/services/airflow/checks/7.zip',
      traceNote: null,
    },
    {
      id: 6,
      at: '2026-12-03T09:55:00.000Z',
      ok: false,
      step: 2,
      kind: 'waitFor',
      message: 'timed out after 3790 ms',
      image: '/api/services/airflow/checks/6.jpg',
      trace: null,
      traceNote: 'trace of 6.2 MB over the 5.0 MB limit',
    },
  ],
  lastGood: {
    id: 3,
    at: '2026-12-03T09:00:00.000Z',
    ok: true,
    step: null,
    kind: null,
    message: null,
    image: '/api/services/airflow/checks/3.png',
    trace: null,
    traceNote: null,
  },
};

const show = (checks: BrowserCheckList) =>
  mount(BrowserCheckResult, { props: { checks, serviceName: 'Airflow' } });

describe('BrowserCheckResult', () => {
  it('names the failed step and shows its screenshot and the last good one', () => {
    const wrapper = show(failedCheck);
    expect(wrapper.text()).toContain('Down 30 s ago: 4210 ms in all, first page painted (LCP) in 312 ms');
    expect(wrapper.find('.error').text()).toBe('Step 2 failed (waitFor text=DAGs): timed out after 3790 ms');
    expect(wrapper.find('.steps .failed').text()).toContain('waitFor text=DAGs');
    const images = wrapper.findAll('img');
    expect(images.map((img) => [img.attributes('src'), img.attributes('alt')])).toEqual([
      ['/api/services/airflow/checks/7.jpg', 'Airflow when step 2 (waitFor) failed'],
      ['/api/services/airflow/checks/6.jpg', 'Airflow when step 2 (waitFor) failed'],
      ['/api/services/airflow/checks/3.png', 'Airflow at its last good check'],
    ]);
  });

  it("links each failure's trace for download, says why one has none, and how to open it", () => {
    const wrapper = show(failedCheck);
    const links = wrapper.findAll('a[download]');
    expect(links.map((a) => a.attributes('href'))).toEqual(['/api/services/airflow/checks/7.zip']);
    expect(links[0]!.text()).toMatch(/^Download trace of the check at /);
    expect(wrapper.findAll('figcaption')[1]!.text()).toContain('trace of 6.2 MB over the 5.0 MB limit');
    expect(wrapper.find('.hint').text()).toContain('npx playwright show-trace');
    expect(wrapper.find('.hint a').attributes('href')).toBe('https://trace.playwright.dev');
  });

  it('says screenshots are for admins, and shows none, when the check restricts them', () => {
    const wrapper = show({
      ...failedCheck,
      screenshots: false,
      failures: failedCheck.failures.map((f) => ({ ...f, image: null, trace: null })),
    });
    expect(wrapper.text()).toContain('Screenshots of this check are shown to admins only.');
    expect(wrapper.findAll('img')).toHaveLength(0);
    expect(wrapper.findAll('a[download]')).toHaveLength(0);
  });

  it('says when the check has not run yet', () => {
    const wrapper = show({ id: 'airflow', screenshots: true, last: null, failures: [], lastGood: null });
    expect(wrapper.text()).toContain('Not run yet.');
    expect(wrapper.text()).toContain('No failures kept.');
  });
});
