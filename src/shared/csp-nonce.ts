/**
 * The page's CSP lets `<style>` elements apply only with this response's nonce (server/platform/app.ts),
 * which the BFF puts into `<meta name="csp-nonce">`. Libraries that write styles at run time (Monaco's
 * theme, Mermaid's diagram styles) create their elements with `createElement('style')`, so elements
 * created that way carry the nonce. A rendered SVG's own `<style>` gets it with `withSvgStyleNonce`.
 */
const nonce =
  typeof document === 'undefined'
    ? ''
    : (document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '');

export function installStyleNonce(doc: Document = document): void {
  if (!nonce) return;
  const create = doc.createElement.bind(doc) as (
    tag: string,
    options?: ElementCreationOptions,
  ) => HTMLElement;
  const createNs = doc.createElementNS.bind(doc) as (ns: string | null, tag: string) => Element;
  const tagged = <T extends Element>(element: T): T => {
    if (element.localName === 'style') (element as unknown as HTMLElement).nonce = nonce;
    return element;
  };
  doc.createElement = ((tag: string, options?: ElementCreationOptions) =>
    tagged(create(tag, options))) as Document['createElement'];
  doc.createElementNS = ((ns: string | null, tag: string) =>
    tagged(createNs(ns, tag))) as Document['createElementNS'];
}

/** The `<style>` that opens `<svg id="svgId">` (the renderer's own stylesheet), attributes and all. */
const ownStyle = (svgId: string) =>
  new RegExp(`^(\\s*<svg\\b[^>]*\\sid="${svgId.replace(/[^\w-]/g, '\\$&')}"[^>]*>)<style\\b[^>]*>`);

/**
 * Markup of an SVG rendered elsewhere, its own stylesheet given the page's nonce. Only that one
 * `<style>`: any other in the markup (smuggled in through a label, say) stays without and is blocked.
 */
export function withSvgStyleNonce(markup: string, svgId: string): string {
  return nonce ? markup.replace(ownStyle(svgId), `$1<style nonce="${nonce}">`) : markup;
}

/** The same SVG without the page's nonce (for copying out of the page). */
export function withoutSvgStyleNonce(markup: string, svgId: string): string {
  return markup.replace(ownStyle(svgId), '$1<style>');
}

/**
 * Runs `render` while every string DOMParser parses passes through `stamp` first. Sanitisers (DOMPurify
 * inside Mermaid) parse the finished SVG into an inert document, which still enforces the page's CSP:
 * an unnonced `<style>` there is reported as a violation even though it never applies. Callers run one
 * render at a time (the prototype is restored when it ends).
 */
export async function parsingWith<T>(
  stamp: (markup: string) => string,
  render: () => Promise<T>,
): Promise<T> {
  const parse = DOMParser.prototype.parseFromString;
  // DOMPurify hands over TrustedHTML where the browser has Trusted Types: the text is the same.
  DOMParser.prototype.parseFromString = function (
    this: DOMParser,
    markup: string,
    type: DOMParserSupportedType,
  ) {
    const text = String(markup);
    const stamped = stamp(text);
    return parse.call(this, stamped === text ? markup : stamped, type);
  };
  try {
    return await render();
  } finally {
    DOMParser.prototype.parseFromString = parse;
  }
}
