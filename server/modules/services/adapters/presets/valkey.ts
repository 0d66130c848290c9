import { definePreset } from './types.ts';

/** Valkey speaks Redis's protocol: the same PING + INFO probe, its own icon. */
export const valkeyPreset = definePreset({
  kind: 'valkey',
  icon: 'valkey',
  probe: () => ({ type: 'redis' }),
  images: ['valkey/valkey', 'bitnami/valkey'],
});
