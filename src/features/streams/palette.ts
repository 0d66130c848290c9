import { onBeforeUnmount, type Ref, watch } from 'vue';
import { useRouter } from 'vue-router';
import { type PaletteCommand, usePaletteStore } from '@/shared/palette/palette';

/** Puts the listed topics or groups in the command palette (Mod+K) while the table shows them. */
export function useStreamsPalette(
  kind: 'topic' | 'group',
  cluster: () => string,
  names: Ref<readonly string[] | undefined>,
): void {
  const palette = usePaletteStore();
  const router = useRouter();
  let unregister: (() => void) | undefined;
  watch(
    names,
    (list) => {
      unregister?.();
      const commands: PaletteCommand[] = (list ?? []).map((name) => ({
        id: `streams.${kind}.${cluster()}.${name}`,
        title: `${kind === 'topic' ? 'Topic' : 'Consumer group'} ${name}`,
        group: 'Streams',
        hint: cluster(),
        keywords: ['kafka', kind],
        run: ({ newTab }) => {
          const target = router.resolve({
            name: kind === 'topic' ? 'streams-topic' : 'streams-group',
            params:
              kind === 'topic' ? { cluster: cluster(), topic: name } : { cluster: cluster(), group: name },
          });
          if (newTab) window.open(target.href, '_blank', 'noopener');
          else void router.push(target);
        },
      }));
      unregister = palette.register(commands);
    },
    { immediate: true },
  );
  onBeforeUnmount(() => unregister?.());
}
