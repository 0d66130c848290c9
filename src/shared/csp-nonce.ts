/**
 * The page's CSP lets `<style>` elements apply only with this response's nonce (server/platform/app.ts),
 * which the BFF puts into `<meta name="csp-nonce">`. Libraries that write styles at run time (Monaco's
 * theme, Mermaid's measuring SVG) create their elements with `createElement('style')`, so elements
 * created that way carry the nonce. Markup from elsewhere (a Mermaid SVG) gets it with `withNonce`.
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

/** `<style>` elements of markup made elsewhere (a rendered SVG), given the page's nonce. */
export function withNonce(markup: string): string {
  return nonce ? markup.replace(/<style(?=[\s>])/gi, `<style nonce="${nonce}"`) : markup;
}
