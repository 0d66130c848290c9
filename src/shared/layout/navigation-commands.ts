import { onScopeDispose, watch } from 'vue';
import { useRouter } from 'vue-router';
import { usePaletteStore } from '../palette/palette';
import { useThemeStore } from '../theme/theme';
import { useVisibleFeatures } from './visible-features';

/** "Go to ..." for every page the user may open, plus app-wide preferences, in the command palette. */
export function useNavigationCommands(): void {
  const palette = usePaletteStore();
  const theme = useThemeStore();
  const router = useRouter();
  const visible = useVisibleFeatures();
  let unregister = () => {};
  watch(
    visible,
    (list) => {
      unregister();
      unregister = palette.register([
        ...list.flatMap((feature) => {
          const path = feature.navPath ?? (feature.requiredRole ? feature.routes[0]?.path : undefined);
          if (!path) return [];
          return {
            id: `nav:${feature.id}`,
            title: `Go to ${feature.title}`,
            group: 'Navigation',
            keywords: feature.keywords,
            run: ({ newTab }: { newTab: boolean }) =>
              newTab ? window.open(path, '_blank', 'noopener') : router.push(path),
          };
        }),
        {
          id: 'theme:toggle',
          title: 'Toggle light/dark theme',
          group: 'Preferences',
          keywords: ['dark', 'light'],
          run: theme.toggle,
        },
      ]);
    },
    { immediate: true },
  );
  onScopeDispose(() => unregister());
}
