/**
 * Scores how well `query` matches `text` as a subsequence, case-insensitively: higher is better,
 * null when not every query character appears in order. Consecutive runs, word starts and an
 * early first match score higher, so "kfk" ranks "Kafka" above "Kubeflow Katib".
 */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const t = text.toLowerCase();
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const char of q) {
    if (char === ' ') continue;
    const at = t.indexOf(char, from);
    if (at < 0) return null;
    score += 1;
    if (at === previous + 1) score += 3;
    if (at === 0 || /[\s\-_./:]/.test(t[at - 1] ?? '')) score += 2;
    previous = at;
    from = at + 1;
  }
  const first = t.indexOf(q[0]!);
  return score - first * 0.05 - t.length * 0.01;
}

/** Best match of the query over several fields of an item (title counts more than keywords). */
export function rankBy<T>(
  items: readonly T[],
  query: string,
  fields: (item: T) => (string | undefined)[],
): T[] {
  if (!query.trim()) return [...items];
  const scored: { item: T; score: number }[] = [];
  for (const item of items) {
    let best: number | null = null;
    fields(item).forEach((field, index) => {
      if (!field) return;
      const score = fuzzyScore(query, field);
      if (score !== null) best = Math.max(best ?? -Infinity, score - index * 0.5);
    });
    if (best !== null) scored.push({ item, score: best });
  }
  return scored.sort((a, b) => b.score - a.score).map((entry) => entry.item);
}
