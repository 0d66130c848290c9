import { computed, onScopeDispose, type Ref, watch } from 'vue';
import { usePaletteStore } from '@/shared/palette/palette';
import { useServices } from './api';
import type { ServiceView } from './types';

/** Opens a service: same tab, or a new one (Mod+Enter in the palette). */
export function openService(url: string, newTab: boolean): void {
  if (newTab) window.open(url, '_blank', 'noopener');
  else window.location.assign(url);
}

/** Every service in `services` is a palette command for as long as the calling scope lives. */
export function useServiceCommands(services: Ref<ServiceView[]>): void {
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
  onScopeDispose(() => unregister());
}

/** Quick launch from any page: the services the user may see, kept current by the live channel. */
export function useQuickLaunch(): void {
  const services = useServices();
  useServiceCommands(computed(() => services.data.value?.groups.flatMap((group) => group.services) ?? []));
}
