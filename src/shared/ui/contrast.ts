/** WCAG 2 contrast between sRGB colours given as #rrggbb. */
export function contrast(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

const channels = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
const toHex = (rgb: number[]) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;

/**
 * The colour nearest `colour` (mixed with black or white, whichever needs less) that reaches `ratio`
 * against every colour of `against`; `colour` itself when it already does.
 */
export function withContrast(colour: string, against: string[], ratio = 3): string {
  const from = channels(colour);
  for (let t = 0; t <= 1; t += 0.02) {
    for (const towards of [0, 255]) {
      const mixed = toHex(from.map((c) => c + (towards - c) * t));
      if (against.every((other) => contrast(mixed, other) >= ratio)) return mixed;
    }
  }
  return colour;
}
