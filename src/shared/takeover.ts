/**
 * What a user did on the server-rendered first screen before the SPA mounted over it: the focused
 * element and text typed into fields. The SPA's first render has the same element structure (no layout
 * shift is measured), so elements are matched by their position under the root.
 */
interface Interaction {
  focus: number[] | null;
  fields: { at: number[]; value: string }[];
}

/** Child-element indexes from `root` down to `element`. */
function pathOf(root: Element, element: Element): number[] {
  const path: number[] = [];
  for (let node = element; node !== root && node.parentElement; node = node.parentElement)
    path.unshift([...node.parentElement.children].indexOf(node));
  return path;
}

function elementAt(root: Element, path: number[]): Element | null {
  let node: Element | undefined = root;
  for (const index of path) node = node?.children[index];
  return node ?? null;
}

function capture(root: Element): Interaction {
  const active = document.activeElement;
  const fields = [...root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')]
    .filter((field) => field.value !== field.defaultValue)
    .map((field) => ({ at: pathOf(root, field), value: field.value }));
  return { focus: active && active !== root && root.contains(active) ? pathOf(root, active) : null, fields };
}

function restore(root: Element, { focus, fields }: Interaction): void {
  for (const { at, value } of fields) {
    const field = elementAt(root, at);
    if (!(field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement)) continue;
    field.value = value;
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }
  if (focus) (elementAt(root, focus) as HTMLElement | null)?.focus();
}

/** Runs `mount` (which replaces `root`'s markup) keeping focus and typed text where the user left them. */
export function takeOver(root: Element, mount: () => void): void {
  const interaction = capture(root);
  mount();
  restore(root, interaction);
}
