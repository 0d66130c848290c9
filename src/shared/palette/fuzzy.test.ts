import { describe, expect, it } from 'vitest';
import { fuzzyScore, rankBy } from './fuzzy';

describe('fuzzyScore', () => {
  it.each([
    ['kfk', 'Kafka', true],
    ['KAF', 'kafka', true],
    ['akf', 'Kafka', false],
    ['', 'anything', true],
    ['trino x', 'Trino', false],
  ])('%s in %s matches: %s', (query, text, matches) => {
    expect(fuzzyScore(query, text) !== null).toBe(matches);
  });

  it('ranks a prefix and consecutive run above a scattered match', () => {
    expect(fuzzyScore('kaf', 'Kafka')!).toBeGreaterThan(fuzzyScore('kaf', 'Kubeflow Airflow')!);
  });
});

describe('rankBy', () => {
  const items = [
    { title: 'Airflow', tags: ['scheduler'] },
    { title: 'Kafka', tags: ['streams'] },
    { title: 'Trino', tags: ['sql', 'kafka connector'] },
  ];

  it('keeps the order when the query is empty', () => {
    expect(rankBy(items, '', (i) => [i.title])).toEqual(items);
  });

  it('prefers a title match over a keyword match and drops non-matches', () => {
    expect(rankBy(items, 'kafka', (i) => [i.title, ...i.tags]).map((i) => i.title)).toEqual([
      'Kafka',
      'Trino',
    ]);
  });
});
