/** "3 min ago", "2 h ago": short relative times for tiles and tooltips. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

export const percent = (value: number | null) =>
  value === null ? '–' : `${value.toFixed(value === 100 ? 0 : 2)}%`;
export const ms = (value: number | null) => (value === null ? '–' : `${value} ms`);

let dateTimeFormat: Intl.DateTimeFormat | undefined;

/** What `Date#toLocaleString()` shows, with one formatter for every tile instead of one per call. */
export function dateTime(iso: string): string {
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return dateTimeFormat.format(new Date(iso));
}
