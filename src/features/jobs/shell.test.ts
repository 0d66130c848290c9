import { describe, expect, it } from 'vitest';
import { failingJobsByService } from './shell';
import { jobBoard, jobView, sourceView } from './test/fixtures';

describe('failing jobs on Home tiles', () => {
  const sources = [
    sourceView('airflow', { service: 'airflow' }),
    sourceView('airflow-2', { service: 'airflow' }),
    sourceView('dagster', { kind: 'dagster', service: 'dagster' }),
    sourceView('openlineage', { kind: 'openlineage', service: null }),
  ];

  it('counts failing jobs per service across the sources naming it, linking to Jobs filtered by them', () => {
    const board = jobBoard({
      sources,
      failing: [
        jobView('a', { source: 'airflow' }),
        jobView('b', { source: 'airflow-2' }),
        jobView('c', { source: 'dagster' }),
        jobView('d', { source: 'openlineage' }),
      ],
    });
    const badges = failingJobsByService(board);
    expect([...badges.keys()]).toEqual(['airflow', 'dagster']);
    expect(badges.get('airflow')).toEqual({
      kind: 'failing-jobs',
      count: 2,
      label: '2 failing jobs',
      to: { name: 'jobs', query: { source: 'airflow,airflow-2' } },
      tone: 'danger',
    });
    expect(badges.get('dagster')).toMatchObject({ count: 1, label: '1 failing job' });
  });

  it('gives no badge to a service whose sources have no failing job', () => {
    const board = jobBoard({ sources, failing: [jobView('d', { source: 'openlineage' })] });
    expect(failingJobsByService(board).size).toBe(0);
  });
});
