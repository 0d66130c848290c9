import { readFileSync } from 'node:fs';
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { contrast } from '@/shared/ui/contrast';
import { serviceMarks, THEME_BACKGROUNDS } from './icons';
import ServiceIcon from './ServiceIcon.vue';

// Vitest hands CSS imports over empty: read the file itself.
const baseCss = readFileSync('src/shared/styles/base.css', 'utf8');

/** --bg, --surface and --surface-2 of one theme block of base.css. */
function backgrounds(theme: 'light' | 'dark'): string[] {
  const block = new RegExp(`:root\\[data-theme="${theme}"\\] \\{([^}]*)\\}`).exec(baseCss)![1]!;
  return ['bg', 'surface', 'surface-2'].map(
    (name) => new RegExp(`--${name}: (#[0-9a-f]{6});`).exec(block)![1]!,
  );
}

function tints(icon: string) {
  const rect = mount(ServiceIcon, { props: { icon, name: icon } }).get('rect').element as SVGRectElement;
  return {
    light: rect.style.getPropertyValue('--mark-light'),
    dark: rect.style.getPropertyValue('--mark-dark'),
  };
}

describe('ServiceIcon contrast', () => {
  it('knows the theme backgrounds base.css defines', () => {
    expect(THEME_BACKGROUNDS.light).toEqual(backgrounds('light'));
    expect(THEME_BACKGROUNDS.dark).toEqual(backgrounds('dark'));
  });

  it.each(Object.keys(serviceMarks))(
    '%s: its tile stands out (3:1) on every background, its glyph on the tile',
    (icon) => {
      const { light, dark } = tints(icon);
      for (const [tint, theme] of [
        [light, 'light'],
        [dark, 'dark'],
      ] as const) {
        expect(tint).toMatch(/^#[0-9a-f]{6}$/);
        for (const bg of backgrounds(theme))
          expect(contrast(tint, bg), `${theme} ${tint} on ${bg}`).toBeGreaterThanOrEqual(3);
        expect(contrast(tint, '#ffffff'), `white glyph on ${tint}`).toBeGreaterThanOrEqual(3);
      }
    },
  );

  it('keeps the brand colour where it already stands out', () => {
    expect(tints('postgresql').light).toBe('#336791');
    expect(tints('spark').dark).toBe('#e25a1c');
  });
});
