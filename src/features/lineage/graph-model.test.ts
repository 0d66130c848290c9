import type { GraphNode } from '@contracts/lineage';
import { describe, expect, it } from 'vitest';
import { GraphModel, NODE_WIDTH } from './graph-model';
import { toMermaid } from './mermaid';

const node = (id: string, kind: 'job' | 'dataset' = 'dataset'): GraphNode => ({
  id,
  kind,
  namespace: 'ns',
  name: id,
});

describe('GraphModel', () => {
  it('keeps positions of nodes the user arranged when merging new ones beside their neighbour', () => {
    const model = new GraphModel();
    model.reset({ nodes: [node('a'), node('j', 'job')], edges: [{ source: 'a', target: 'j' }], asOf: null });
    model.applyLayout({ a: { x: 0, y: 0 }, j: { x: 300, y: 0 } });
    model.moveNode('j', 320, 140);
    const added = model.merge(
      {
        nodes: [node('j', 'job'), node('b'), node('c')],
        edges: [
          { source: 'j', target: 'b' },
          { source: 'j', target: 'c' },
        ],
        asOf: null,
      },
      { flashMs: 1000, now: 0 },
    );
    expect(added.sort()).toEqual(['b', 'c']);
    expect(model.nodes.get('j')).toMatchObject({ x: 320, y: 140 });
    const b = model.nodes.get('b')!;
    const c = model.nodes.get('c')!;
    expect(b.x).toBeGreaterThan(320 + NODE_WIDTH);
    expect(b.flashUntil).toBe(1000);
    expect(Math.abs(b.y - c.y)).toBeGreaterThanOrEqual(b.h);
    expect(model.edgeList).toHaveLength(3);
  });

  it('replaces the graph for time travel but keeps positions of nodes present in both', () => {
    const model = new GraphModel();
    model.reset({ nodes: [node('a'), node('b')], edges: [{ source: 'a', target: 'b' }], asOf: null });
    model.applyLayout({ a: { x: 10, y: 20 }, b: { x: 400, y: 20 } });
    model.merge({ nodes: [node('a')], edges: [], asOf: '2026-01-01T00:00:00Z' }, { replace: true });
    expect(model.nodeList.map((n) => n.id)).toEqual(['a']);
    expect(model.nodes.get('a')).toMatchObject({ x: 10, y: 20 });
    expect(model.edgeList).toEqual([]);
  });

  it('recolours a job only for a newer state, and grows a dataset when its columns show', () => {
    const model = new GraphModel();
    model.reset({ nodes: [node('j', 'job'), node('d'), node('below')], edges: [], asOf: null });
    model.applyLayout({ j: { x: 0, y: 0 }, d: { x: 300, y: 0 }, below: { x: 300, y: 70 } });
    expect(model.setState('j', 'RUNNING', 'r1', '2026-01-01T00:00:01Z')).toBe(true);
    expect(model.setState('j', 'COMPLETED', 'r1', '2026-01-01T00:00:02Z')).toBe(true);
    expect(model.setState('j', 'RUNNING', 'r1', '2026-01-01T00:00:00Z')).toBe(false);
    expect(model.nodes.get('j')!.state).toBe('COMPLETED');
    // A walk fetched before the last live change does not undo it.
    model.merge({
      nodes: [{ ...node('j', 'job'), state: 'RUNNING', stateTime: '2026-01-01T00:00:01Z' }],
      edges: [],
      asOf: null,
    });
    expect(model.nodes.get('j')!.state).toBe('COMPLETED');
    model.setFields('d', ['a', 'b', 'c']);
    expect(model.nodes.get('below')!.y).toBeGreaterThanOrEqual(model.nodes.get('d')!.h);
  });
});

describe('toMermaid', () => {
  it('writes a flowchart with distinct shapes and escaped labels', () => {
    const text = toMermaid(
      [
        { id: 'dataset:x', kind: 'dataset', name: 'raw "orders"' },
        { id: 'job:y', kind: 'job', name: 'load<1>', state: 'FAILED' },
      ],
      [{ source: 'dataset:x', target: 'job:y' }],
    );
    expect(text).toContain('n0[("raw #quot;orders#quot;")]:::dataset');
    expect(text).toContain('n1("load#lt;1#gt; (failed)"):::job_failed');
    expect(text).toContain('n0 --> n1');
  });
});
