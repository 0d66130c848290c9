import { definePreset, under } from './types.ts';

/** Superset's web server: GET /health answers `OK`. */
export const supersetPreset = definePreset({
  kind: 'superset',
  icon: 'superset',
  probe: (url) => ({ type: 'http', url: under(url, 'health'), keyword: 'OK' }),
  images: ['apache/superset', 'bitnami/superset'],
});
