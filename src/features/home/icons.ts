import { withContrast } from '@/shared/ui/contrast';

/**
 * Simple marks for the lab's usual systems (our own drawings, not vendor logos): a tinted tile with a
 * white glyph in a 24x24 box. `icon:` in labdeck.yaml names one of these, or gives an image URL.
 */
export interface ServiceMark {
  color: string;
  /** Glyph path, stroked in white. */
  d: string;
}

const marks: Record<string, ServiceMark> = {
  kafka: {
    color: '#231f20',
    d: 'M12 5v4M12 15v4M12 9a3 3 0 1 1 0 6 3 3 0 0 1 0-6zM12 12l5-3M12 12l5 3M17 9a1 1 0 1 0 0 .1M17 15a1 1 0 1 0 0 .1M12 4a1 1 0 1 0 0 .1M12 20a1 1 0 1 0 0 .1',
  },
  trino: { color: '#dd00a1', d: 'M7 7l2 3M17 7l-2 3M12 10a5 5 0 1 1 0 10 5 5 0 0 1 0-10zM10 15h.1M14 15h.1' },
  postgresql: {
    color: '#336791',
    d: 'M6 7c0-1.7 2.7-3 6-3s6 1.3 6 3-2.7 3-6 3-6-1.3-6-3zm0 0v10c0 1.7 2.7 3 6 3s6-1.3 6-3V7M6 12c0 1.7 2.7 3 6 3s6-1.3 6-3',
  },
  airflow: { color: '#017cee', d: 'M12 12L5 5h7zM12 12l7-7v7zM12 12l7 7h-7zM12 12l-7 7v-7z' },
  spark: { color: '#e25a1c', d: 'M12 3l2 6 6 1-5 4 2 7-5-4-5 4 2-7-5-4 6-1z' },
  dbt: { color: '#ff694b', d: 'M5 5l14 14M19 5L5 19M9 5h-4v4M15 19h4v-4' },
  minio: { color: '#c72c48', d: 'M8 20V9l4-5 4 5v11M8 13h8' },
  datahub: { color: '#1890ff', d: 'M12 4l7 4v8l-7 4-7-4V8zM12 12l7-4M12 12v8M12 12L5 8' },
  metabase: {
    color: '#509ee3',
    d: 'M6 6h.1M12 6h.1M18 6h.1M6 12h.1M12 12h.1M18 12h.1M6 18h.1M12 18h.1M18 18h.1',
  },
  mlflow: { color: '#0194e2', d: 'M4 18l5-6 4 3 7-9M16 6h4v4' },
  jupyter: { color: '#f37726', d: 'M5 9c3-4 11-4 14 0M5 15c3 4 11 4 14 0M17 4h.1M7 20h.1' },
  superset: { color: '#20a7c9', d: 'M4 12c2-4 5-4 8 0s6 4 8 0c-2-4-5-4-8 0s-6 4-8 0z' },
  grafana: { color: '#f46800', d: 'M12 5a7 7 0 1 0 7 7h-7zM15 9l4-4' },
  keycloak: { color: '#4d4d4d', d: 'M9 14a4 4 0 1 1 0-8 4 4 0 0 1 0 8zM12 12l7 7M16 16l2-2M18 18l1.5-1.5' },
  kubernetes: { color: '#326ce5', d: 'M12 3l7 4 2 8-5 6H8l-5-6 2-8zM12 8v8M8 12h8M9 9l6 6M15 9l-6 6' },
  prometheus: {
    color: '#e6522c',
    d: 'M12 4c3 3 1 5 3 7 1-2 2-2 2-2 0 4-2 7-5 7s-5-3-5-6c0 0 1 1 2 2 0-3 3-4 3-8zM8 20h8',
  },
  redis: { color: '#dc382d', d: 'M4 9l8-4 8 4-8 4zM4 13l8 4 8-4M4 17l8 4 8-4' },
  elasticsearch: { color: '#00a9e5', d: 'M6 8h12M6 12h9M6 16h12' },
  argocd: {
    color: '#ef7b4d',
    d: 'M12 4a6 6 0 0 1 6 6v4a6 6 0 0 1-12 0v-4a6 6 0 0 1 6-6zM9 11h.1M15 11h.1M9 20l-1 2M15 20l1 2',
  },
  gitlab: { color: '#fc6d26', d: 'M12 20l-8-7 2-8 2 5h8l2-5 2 8z' },
  nifi: { color: '#728e9b', d: 'M4 7h6v4H4zM14 13h6v4h-6zM10 9h2v6h2' },
  dagster: {
    color: '#4f43dd',
    d: 'M12 4a6 6 0 0 1 6 6c0 4-3 5-3 9M12 4a6 6 0 0 0-6 6c0 4 3 5 3 9M9 10h.1M15 10h.1',
  },
  'schema-registry': {
    color: '#173361',
    d: 'M9 5c-2 0-2 1-2 3s-1 3-2 4c1 1 2 2 2 4s0 3 2 3M15 5c2 0 2 1 2 3s1 3 2 4c-1 1-2 2-2 4s0 3-2 3',
  },
  'kafka-connect': { color: '#231f20', d: 'M9 4v5M15 4v5M7 9h10v3a5 5 0 0 1-10 0zM12 17v3' },
  mongodb: { color: '#00684a', d: 'M12 3c4 4 5 8 4 11s-3 4-4 7c-1-3-3-4-4-7s0-7 4-11zM12 14v7' },
  valkey: { color: '#6983ff', d: 'M4 9l8-4 8 4-8 4zM4 13l8 4 8-4M12 13v8' },
  flink: { color: '#e6526f', d: 'M6 18c6 0 12-6 12-12-6 0-12 6-12 12zM6 18l6-6' },
  database: {
    color: '#5f6b7a',
    d: 'M6 7c0-1.7 2.7-3 6-3s6 1.3 6 3-2.7 3-6 3-6-1.3-6-3zm0 0v10c0 1.7 2.7 3 6 3s6-1.3 6-3V7',
  },
  web: {
    color: '#5f6b7a',
    d: 'M12 4a8 8 0 1 0 0 16 8 8 0 0 0 0-16zM4 12h16M12 4c2.5 2.5 2.5 13.5 0 16M12 4c-2.5 2.5-2.5 13.5 0 16',
  },
  server: { color: '#5f6b7a', d: 'M5 5h14v6H5zM5 13h14v6H5zM8 8h.1M8 16h.1' },
};

/** Page backgrounds a mark sits on (--bg, --surface, --surface-2 of src/shared/styles/base.css). */
export const THEME_BACKGROUNDS = {
  light: ['#f6f7f9', '#ffffff', '#eef1f5'],
  dark: ['#0f141b', '#161d27', '#1f2835'],
};

const GLYPH = '#ffffff';

/**
 * A mark's tile tint per theme: its own colour where the tile stands out from the page (3:1) and the white
 * glyph from the tile, else the nearest colour that does (a near-black Kafka tile on the dark theme).
 */
export interface ThemedMark extends ServiceMark {
  light: string;
  dark: string;
}

export const serviceMarks: Record<string, ThemedMark> = Object.fromEntries(
  Object.entries(marks).map(([name, mark]) => [
    name,
    {
      ...mark,
      light: withContrast(mark.color, [...THEME_BACKGROUNDS.light, GLYPH]),
      dark: withContrast(mark.color, [...THEME_BACKGROUNDS.dark, GLYPH]),
    },
  ]),
);

/** Aliases people are likely to write. */
const aliases: Record<string, string> = {
  postgres: 'postgresql',
  pg: 'postgresql',
  k8s: 'kubernetes',
  s3: 'minio',
  es: 'elasticsearch',
  opensearch: 'elasticsearch',
  argo: 'argocd',
};

export function markFor(icon: string | null): ThemedMark | null {
  if (!icon) return null;
  const key = icon.toLowerCase();
  return serviceMarks[aliases[key] ?? key] ?? null;
}

/** Only http(s) image URLs are used as icons. */
export const isImageUrl = (icon: string | null): icon is string =>
  Boolean(icon && /^https?:\/\//i.test(icon));
