import { definePreset, under } from './types.ts';

/** DataHub's metadata service (GMS): GET /health answers 200 while it serves; point the url at GMS (8080), not the frontend. */
export const datahubPreset = definePreset({
  kind: 'datahub',
  icon: 'datahub',
  probe: (url) => ({ type: 'http', url: under(url, 'health') }),
  images: ['acryldata/datahub-gms', 'linkedin/datahub-gms'],
});
