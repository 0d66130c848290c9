import { describe, expect, it } from 'vitest';
import { filterServices } from './filter';
import { serviceView } from './test/service';

const service = serviceView;

describe('filterServices', () => {
  const groups = [
    {
      name: 'Data',
      collapsed: false,
      services: [service('kafka', { tags: ['streaming'] }), service('trino', { status: 'down' })],
    },
    { name: 'ML', collapsed: false, services: [service('mlflow', { group: 'ML' })] },
  ];

  it.each([
    ['', false, ['kafka', 'trino', 'mlflow']],
    ['stream', false, ['kafka']],
    ['ml', false, ['mlflow']],
    ['', true, ['trino']],
    ['nothing', false, []],
  ])('query %j onlyProblems %s', (query, onlyProblems, ids) => {
    expect(filterServices(groups, query, onlyProblems).flatMap((g) => g.services.map((s) => s.id))).toEqual(
      ids,
    );
  });

  it('drops groups without services, filtered or not', () => {
    const withEmpty = [...groups, { name: 'Empty', collapsed: false, services: [] }];
    expect(filterServices(withEmpty, '', false).map((g) => g.name)).toEqual(['Data', 'ML']);
    expect(filterServices(withEmpty, 'stream', false).map((g) => g.name)).toEqual(['Data']);
  });
});
