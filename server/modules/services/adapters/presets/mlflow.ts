import { definePreset, under } from './types.ts';

/** MLflow's tracking server: GET /health answers `OK`. */
export const mlflowPreset = definePreset({
  kind: 'mlflow',
  icon: 'mlflow',
  probe: (url) => ({ type: 'http', url: under(url, 'health'), keyword: 'OK' }),
  images: ['ghcr.io/mlflow/mlflow', 'bitnami/mlflow'],
});
