import { definePreset, under } from './types.ts';

/** The API server's /readyz (readable without credentials by default; a 500 lists the failing checks). */
export const kubernetesPreset = definePreset({
  kind: 'kubernetes',
  icon: 'kubernetes',
  probe: (url) => ({ type: 'http', url: under(url, 'readyz'), keyword: 'ok' }),
});
