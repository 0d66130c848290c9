import { onBeforeUnmount, onMounted } from 'vue';
import { usePaletteStore } from './palette';

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

// Monaco takes keys on an EditContext <div> (no textarea, not contenteditable): the SQL editor is typing too.
const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable ||
    /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ||
    target.closest('.monaco-editor, [role="textbox"]') !== null);

/** Mod+K toggles the command palette anywhere; `/` opens it when the user is not typing. */
export function usePaletteShortcuts(): void {
  const palette = usePaletteStore();
  function onKeydown(event: KeyboardEvent) {
    if ((isMac ? event.metaKey : event.ctrlKey) && event.key.toLowerCase() === 'k') {
      event.preventDefault();
      palette.isOpen ? palette.close() : palette.open();
    } else if (
      event.key === '/' &&
      !event.ctrlKey &&
      !event.metaKey &&
      !event.altKey &&
      !palette.isOpen &&
      !isTyping(event.target)
    ) {
      event.preventDefault();
      palette.open();
    }
  }
  onMounted(() => window.addEventListener('keydown', onKeydown));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown));
}
