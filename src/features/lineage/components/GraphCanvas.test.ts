import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { LAYER_GAP, NODE_HEIGHT, NODE_WIDTH, type ViewNode } from '../graph-model';
import GraphCanvas from './GraphCanvas.vue';

// Node names are drawn at 13px (GraphNodeView .name); the page's body text is 15px; the UI's smallest is 11px.
const NAME_PX = 13;
const BODY_PX = 15;

const node = (id: string, layer: number, row = 0): ViewNode => ({
  id,
  kind: layer % 2 ? 'job' : 'dataset',
  namespace: 'ns',
  name: id,
  x: layer * (NODE_WIDTH + LAYER_GAP),
  y: row * (NODE_HEIGHT + 18),
  w: NODE_WIDTH,
  h: NODE_HEIGHT,
});

function bounds(nodes: ViewNode[]) {
  const x = Math.min(...nodes.map((n) => n.x));
  const y = Math.min(...nodes.map((n) => n.y));
  return {
    x,
    y,
    w: Math.max(...nodes.map((n) => n.x + n.w)) - x,
    h: Math.max(...nodes.map((n) => n.y + n.h)) - y,
  };
}

/** Fits the nodes into a canvas of the given size; returns the scale and where the graph's centre lands. */
function fitted(nodes: ViewNode[], width: number, height: number) {
  const wrapper = mount(GraphCanvas, { props: { nodes, edges: [], selectedId: null, columns: null } });
  const svg = wrapper.get('svg').element;
  svg.getBoundingClientRect = () => ({
    x: 0,
    y: 0,
    left: 0,
    top: 0,
    width,
    height,
    right: width,
    bottom: height,
    toJSON: () => ({}),
  });
  const b = bounds(nodes);
  (wrapper.vm as unknown as { fit: (b: ReturnType<typeof bounds>) => void }).fit(b);
  return wrapper.vm.$nextTick().then(() => {
    const transform = wrapper.get('svg > g').attributes('transform')!;
    const [, x, y, k] = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([-\d.e]+)\)/.exec(transform)!.map(Number);
    wrapper.unmount();
    return { k: k!, centreX: x! + (b.x + b.w / 2) * k!, centreY: y! + (b.y + b.h / 2) * k! };
  });
}

describe('GraphCanvas fit', () => {
  it('draws a small graph with names at the body text size, centred', async () => {
    const { k, centreX, centreY } = await fitted([node('a', 0), node('job', 1), node('b', 2)], 1600, 800);
    expect(NAME_PX * k).toBeCloseTo(BODY_PX, 1);
    expect(centreX).toBeCloseTo(800, 0);
    expect(centreY).toBeCloseTo(400, 0);
  });

  it('zooms a small graph out only as far as it needs to fit, so no node lies under the side panel', async () => {
    // Three sources, a job, a model, a job, a report: five layers, 1448 px at scale 1.
    const nodes = [
      node('src1', 0, 0),
      node('src2', 0, 1),
      node('src3', 0, 2),
      node('load', 1),
      node('model', 2),
      node('publish', 3),
      node('report', 4),
    ];
    // 800 px: what is left of the canvas beside the open node-detail panel.
    const { k } = await fitted(nodes, 800, 700);
    const b = bounds(nodes);
    expect(b.w * k).toBeLessThanOrEqual(800);
    expect(b.w * k).toBeGreaterThan(700);
  });

  it('zooms a big graph out until it fits', async () => {
    const nodes = Array.from({ length: 60 }, (_, i) => node(`n${i}`, i % 20, Math.floor(i / 20)));
    const { k } = await fitted(nodes, 1100, 700);
    const b = bounds(nodes);
    expect(b.w * k).toBeLessThanOrEqual(1100);
    expect(b.h * k).toBeLessThanOrEqual(700);
  });
});
