import { onBeforeUnmount, onMounted, type Ref, watch } from 'vue';
import { usePaletteStore } from '@/shared/palette/palette';
import type { ServiceView } from './types';

/** Opens a service: same tab, or a new one (Mod+Enter in the palette). */
export function openService(url: string, newTab: boolean): void {
  if (newTab) window.open(url, '_blank', 'noopener');
  else window.location.assign(url);
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

/**
 * Quick launch: every visible service is a palette command, and `/` opens the palette when the user is
 * not typing somewhere. Both go away with the component that called this.
 */
export function useQuickLaunch(services: Ref<ServiceView[]>): void {
  const palette = usePaletteStore();
  let unregister = () => {};
  watch(
    services,
    (list) => {
      unregister();
      unregister = palette.register(
        list.map((service) => ({
          id: `service:${service.id}`,
          title: service.name,
          group: 'Services',
          hint: service.description ?? service.url,
          keywords: [service.group, ...service.tags],
          run: ({ newTab }) => openService(service.url, newTab),
        })),
      );
    },
    { immediate: true },
  );

  function onKeydown(event: KeyboardEvent) {
    if (
      event.key !== '/' ||
      event.ctrlKey ||
      event.metaKey ||
      event.altKey ||
      palette.isOpen ||
      isTyping(event.target)
    )
      return;
    event.preventDefault();
    palette.open();
  }
  onMounted(() => window.addEventListener('keydown', onKeydown));
  onBeforeUnmount(() => {
    window.removeEventListener('keydown', onKeydown);
    unregister();
  });
}
