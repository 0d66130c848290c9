import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import SparkLine from '@/shared/ui/SparkLine.vue';
import type { ClusterSummary } from '../types';
import ClusterOverview from './ClusterOverview.vue';
import VerdictBadge from './VerdictBadge.vue';

const cluster = (over: Partial<ClusterSummary> = {}): ClusterSummary => ({
  id: 'lab',
  name: 'Lab Kafka',
  status: 'up',
  error: null,
  sampledAt: Date.now(),
  attemptedAt: Date.now(),
  cycleMs: 12,
  intervalMs: 5000,
  overview: {
    clusterId: 'x',
    brokers: [{ id: 1, host: 'k1', port: 9092, rack: null }],
    controller: 1,
    topics: 12,
    internalTopics: 1,
    partitions: 60,
    underReplicated: 2,
    offline: 0,
    groups: 3,
    inRate: 1234.5,
    bytesRate: 2048,
  },
  ...over,
});

describe('ClusterOverview', () => {
  it('shows the figures of a live cluster', () => {
    const text = mount(ClusterOverview, { props: { cluster: cluster() } }).text();
    expect(text).toContain('Up');
    expect(text).toContain('1 (k1:9092)');
    expect(text).toContain('1,235 msg/s');
    expect(text).toContain('2.0 KB/s');
    expect(text).not.toContain('Cannot reach');
  });

  it('marks a down cluster, keeps its last figures greyed and says it recovers by itself', () => {
    const wrapper = mount(ClusterOverview, {
      props: { cluster: cluster({ status: 'down', error: 'connect ECONNREFUSED' }) },
    });
    expect(wrapper.get('[data-testid="cluster-status"]').text()).toBe('Down');
    expect(wrapper.text()).toContain('Cannot reach the cluster: connect ECONNREFUSED');
    expect(wrapper.text()).toContain('1,235 msg/s');
    expect(wrapper.classes()).toContain('stale');
  });
});

describe('SparkLine and VerdictBadge', () => {
  it('draws a line with gaps and stays empty with too few points', () => {
    const path = mount(SparkLine, {
      props: { points: [1, 2, null, 4], label: 'x', width: 30, height: 22 },
    }).find('path');
    expect(path.attributes('d')).toMatch(/^M0\.0 .*L10\.0 .*M30\.0 /);
    expect(
      mount(SparkLine, { props: { points: [null, 5], label: 'x' } })
        .find('path')
        .exists(),
    ).toBe(false);
  });

  it.each([
    ['OK', 'ok'],
    ['STOP', 'stop'],
    ['REWIND', 'rewind'],
  ] as const)('labels %s', (verdict, cls) => {
    const badge = mount(VerdictBadge, { props: { verdict } });
    expect(badge.text()).toBe(verdict);
    expect(badge.classes()).toContain(cls);
    expect(badge.attributes('title')).toBeTruthy();
  });
});
