// "Export as Mermaid": the visible subgraph as a Mermaid flowchart, and a lazily loaded renderer.

import type { GraphEdge } from '@contracts/lineage';
import { parsingWith, withoutSvgStyleNonce, withSvgStyleNonce } from '@/shared/csp-nonce';

interface ExportNode {
  id: string;
  kind: string;
  name: string;
  state?: string;
}

const label = (text: string) =>
  `"${text.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'))}"`;

export function toMermaid(nodes: ExportNode[], edges: GraphEdge[]): string {
  const ids = new Map(nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const node of nodes) {
    const id = ids.get(node.id)!;
    const text = node.kind === 'job' && node.state ? `${node.name} (${node.state.toLowerCase()})` : node.name;
    // Datasets as cylinders, jobs as rounded boxes, "+N more" as plain boxes.
    const shape =
      node.kind === 'dataset'
        ? `[(${label(text)})]`
        : node.kind === 'job'
          ? `(${label(text)})`
          : `[${label(text)}]`;
    lines.push(
      `  ${id}${shape}:::${node.kind === 'job' ? `job${node.state ? `_${node.state.toLowerCase()}` : ''}` : node.kind}`,
    );
  }
  for (const edge of edges) {
    const from = ids.get(edge.source);
    const to = ids.get(edge.target);
    if (from && to) lines.push(`  ${from} --> ${to}`);
  }
  lines.push(
    '  classDef dataset fill:#eef1f5,stroke:#4f5b6b',
    '  classDef job fill:#ffffff,stroke:#2449b8',
    '  classDef job_running fill:#e8efff,stroke:#2449b8',
    '  classDef job_completed fill:#e8f5ec,stroke:#1b7a3d',
    '  classDef job_failed fill:#fdecea,stroke:#b42318',
    '  classDef job_aborted fill:#fdf3e1,stroke:#8a5a00',
    '  classDef more fill:#ffffff,stroke-dasharray:4 3',
  );
  return `${lines.join('\n')}\n`;
}

let loaded: Promise<typeof import('mermaid').default> | undefined;
let counter = 0;
let previous: Promise<unknown> = Promise.resolve();

export interface RenderedMermaid {
  /** The SVG to copy out. */
  svg: string;
  /** The same SVG for this page: its stylesheet carries the page's CSP nonce. */
  preview: string;
}

/** Renders Mermaid text to SVG (mermaid is imported on first use; one render at a time). */
export function renderMermaid(text: string): Promise<RenderedMermaid> {
  const rendered = previous.then(() => renderOne(text));
  previous = rendered.catch(() => undefined);
  return rendered;
}

async function renderOne(text: string): Promise<RenderedMermaid> {
  loaded ??= import('mermaid').then((m) => {
    m.default.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: 'neutral',
      maxTextSize: 500_000,
      maxEdges: 10_000,
    });
    return m.default;
  });
  const mermaid = await loaded;
  const id = `lineage-export-${++counter}`;
  // Mermaid's 'strict' level sanitises the finished SVG by parsing it (DOMParser): its stylesheet needs
  // the nonce there too, or the browser reports a CSP violation.
  const { svg } = await parsingWith(
    (markup) => withSvgStyleNonce(markup, id),
    () => mermaid.render(id, text),
  );
  const clean = withoutSvgStyleNonce(svg, id);
  return { svg: clean, preview: withSvgStyleNonce(clean, id) };
}
