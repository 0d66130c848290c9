/** Number formatting for Streams: rates, bytes, offsets and durations. */
const compact = new Intl.NumberFormat('en', { maximumFractionDigits: 1, notation: 'compact' });
const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

export function rate(value: number | null | undefined, unit = 'msg/s'): string {
  if (value === null || value === undefined) return '–';
  if (value > 0 && value < 10) return `${value.toFixed(1)} ${unit}`;
  return `${value >= 10_000 ? compact.format(value) : whole.format(value)} ${unit}`;
}

export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export const count = (value: number | null | undefined): string =>
  value === null || value === undefined
    ? '–'
    : value >= 100_000
      ? compact.format(value)
      : whole.format(value);

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (value < 1) return '< 1 s';
  if (value < 120) return `${Math.round(value)} s`;
  if (value < 7200) return `${Math.round(value / 60)} min`;
  if (value < 172_800) return `${(value / 3600).toFixed(1)} h`;
  return `${Math.round(value / 86_400)} d`;
}

export function ago(at: number | null | undefined, now = Date.now()): string {
  if (!at) return 'never';
  return `${seconds(Math.max(0, (now - at) / 1000))} ago`.replace('< 1 s ago', 'just now');
}

/** Estimated time behind; a group that is behind but does not commit is "not consuming". */
export const behind = (lagSeconds: number | null, lag: number | null): string =>
  lagSeconds === null && (lag ?? 0) > 0 ? 'not consuming' : seconds(lagSeconds);
