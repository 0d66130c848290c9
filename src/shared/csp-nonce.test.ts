import { beforeAll, describe, expect, it, vi } from 'vitest';

// The module reads the page's nonce once, on import: give the page one first.
let csp: typeof import('./csp-nonce');
beforeAll(async () => {
  document.head.innerHTML = '<meta name="csp-nonce" content="n0nce">';
  vi.resetModules();
  csp = await import('./csp-nonce');
});

const svg = (id: string, inner: string) =>
  `<svg id="${id}" width="100%" class="flowchart"><style>#${id}{fill:#333}</style>${inner}</svg>`;

describe('withSvgStyleNonce', () => {
  it('gives the nonce to the stylesheet opening that SVG only', () => {
    const markup = svg('export-1', '<g><style>a{}</style></g>');
    expect(csp.withSvgStyleNonce(markup, 'export-1')).toBe(
      '<svg id="export-1" width="100%" class="flowchart"><style nonce="n0nce">#export-1{fill:#333}</style><g><style>a{}</style></g></svg>',
    );
  });

  it('leaves markup of another SVG alone', () => {
    const markup = svg('export-2', '');
    expect(csp.withSvgStyleNonce(markup, 'export-1')).toBe(markup);
  });

  it('takes the nonce off again for the copy', () => {
    const markup = svg('export-1', '');
    expect(csp.withoutSvgStyleNonce(csp.withSvgStyleNonce(markup, 'export-1'), 'export-1')).toBe(markup);
  });
});

describe('parsingWith', () => {
  it('passes what DOMParser parses through the stamp while the work runs, and restores DOMParser after', async () => {
    const parse = DOMParser.prototype.parseFromString;
    const parsed = await csp.parsingWith(
      (markup) => markup.replace('unstamped', 'stamped'),
      async () => new DOMParser().parseFromString('<p>unstamped</p>', 'text/html'),
    );
    expect(parsed.body.textContent).toBe('stamped');
    expect(DOMParser.prototype.parseFromString).toBe(parse);
    expect(new DOMParser().parseFromString('<p>unstamped</p>', 'text/html').body.textContent).toBe(
      'unstamped',
    );
  });

  it('restores DOMParser when the work fails', async () => {
    const parse = DOMParser.prototype.parseFromString;
    await expect(
      csp.parsingWith(
        (m) => m,
        () => Promise.reject(new Error('render failed')),
      ),
    ).rejects.toThrow('render failed');
    expect(DOMParser.prototype.parseFromString).toBe(parse);
  });
});
