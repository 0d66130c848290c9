// Layered left-to-right layout with ELK, off the main thread.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { LayoutRequest, LayoutResponse } from './layout';

const elk = new ELK();

self.onmessage = async (message: MessageEvent<LayoutRequest>) => {
  const { id, nodes, edges } = message.data;
  const big = nodes.length > 500;
  try {
    const result = await elk.layout({
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.layered.spacing.nodeNodeBetweenLayers': '72',
        'elk.spacing.nodeNode': '18',
        'elk.layered.nodePlacement.strategy': big ? 'SIMPLE' : 'BRANDES_KOEPF',
        'elk.layered.thoroughness': big ? '1' : '7',
        'elk.separateConnectedComponents': 'true',
      },
      children: nodes.map((n) => ({ id: n.id, width: n.w, height: n.h })),
      edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] })),
    });
    const positions: LayoutResponse['positions'] = {};
    for (const child of result.children ?? []) positions[child.id] = { x: child.x ?? 0, y: child.y ?? 0 };
    (self as unknown as Worker).postMessage({ id, positions } satisfies LayoutResponse);
  } catch (error) {
    (self as unknown as Worker).postMessage({
      id,
      positions: {},
      error: String(error),
    } satisfies LayoutResponse);
  }
};
