import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { NODE_HEIGHT, NODE_WIDTH, type ViewNode } from '../graph-model';
import GraphLayer from './GraphLayer.vue';

const node = (id: string, x: number, y: number): ViewNode => ({
  id,
  kind: 'dataset',
  namespace: 'pg',
  name: id,
  x,
  y,
  w: NODE_WIDTH,
  h: NODE_HEIGHT,
});
// a (near the origin) -> b (far right) -> c (far below); d far away, unconnected.
const nodes = [node('a', 0, 0), node('b', 5_000, 0), node('c', 5_000, 5_000), node('d', 9_000, 9_000)];
const edges = [
  { source: 'a', target: 'b' },
  { source: 'b', target: 'c' },
];

function drawn(
  area: { x: number; y: number; w: number; h: number } | null,
  selectedId: string | null = null,
) {
  const wrapper = mount(GraphLayer, { props: { nodes, edges, selectedId, columns: null, area } });
  return {
    nodes: wrapper.findAll('g.node').map((g) => g.attributes('data-node-id')),
    edges: wrapper.findAll('path.edge').length,
  };
}

describe('GraphLayer', () => {
  it('draws everything without an area', () => {
    expect(drawn(null)).toEqual({ nodes: ['a', 'b', 'c', 'd'], edges: 2 });
  });

  it('draws only nodes meeting the area, and edges passing through it', () => {
    // The area holds a only; the edge a -> b leaves it, b -> c never enters it.
    expect(drawn({ x: -100, y: -100, w: 1_000, h: 1_000 })).toEqual({ nodes: ['a'], edges: 1 });
  });

  it('draws shapes only when light, and names and buttons otherwise', () => {
    const props = { nodes, edges, selectedId: null, columns: null };
    const light = mount(GraphLayer, { props: { ...props, light: true } });
    expect(light.findAll('rect.shape')).toHaveLength(4);
    expect(light.findAll('text, g.btn')).toHaveLength(0);
    const full = mount(GraphLayer, { props });
    expect(full.findAll('text.name').map((t) => t.text())).toEqual(['a', 'b', 'c', 'd']);
    expect(full.findAll('g.btn')).toHaveLength(12);
  });

  it('draws the selected node wherever it is', () => {
    expect(drawn({ x: -100, y: -100, w: 1_000, h: 1_000 }, 'd').nodes).toEqual(['a', 'd']);
  });
});
