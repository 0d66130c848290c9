import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { NODE_HEIGHT, NODE_WIDTH, type ViewNode } from '../graph-model';
import GraphCanvas from './GraphCanvas.vue';
import GraphLayer from './GraphLayer.vue';
import GraphNodeView from './GraphNodeView.vue';

const orders: ViewNode = {
  id: 'dataset:pg:orders',
  kind: 'dataset',
  namespace: 'pg',
  name: 'orders',
  x: 0,
  y: 0,
  w: NODE_WIDTH,
  h: NODE_HEIGHT,
};

describe('node events reach the page', () => {
  it.each([
    ['expand', [orders.id, 'up']],
    ['columns', [orders.id]],
    ['column', [orders.id, 'amount']],
  ] as const)('%s passes from the node through the layer and the canvas', async (event, args) => {
    const canvas = mount(GraphCanvas, {
      props: { nodes: [orders], edges: [], selectedId: null, columns: null },
    });
    const layer = canvas.getComponent(GraphLayer);
    canvas.getComponent(GraphNodeView).vm.$emit(event, ...args);
    expect(layer.emitted(event)).toEqual([args]);
    expect(canvas.emitted(event)).toEqual([args]);
  });
});
