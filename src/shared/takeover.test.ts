import { describe, expect, it } from 'vitest';
import { takeOver } from './takeover';

const screen = `<header><a href="/">Home</a><a href="/lineage">Lineage</a></header>
  <main><div class="toolbar"><input type="search" value=""><button>Go</button></div></main>`;

describe('takeOver', () => {
  it('keeps focus and typed text when the SPA replaces the server-rendered markup', () => {
    const root = document.createElement('div');
    root.innerHTML = screen;
    document.body.append(root);
    root.querySelectorAll('a')[1]!.focus();
    root.querySelector('input')!.value = 'kaf';
    const typed: string[] = [];
    takeOver(root, () => {
      root.innerHTML = screen;
      root.querySelector('input')!.addEventListener('input', (event) => {
        typed.push((event.target as HTMLInputElement).value);
      });
    });
    expect(document.activeElement).toBe(root.querySelectorAll('a')[1]);
    expect(root.querySelector('input')!.value).toBe('kaf');
    expect(typed).toEqual(['kaf']);
    root.remove();
  });

  it('leaves focus alone when nothing inside the root had it', () => {
    const root = document.createElement('div');
    root.innerHTML = screen;
    document.body.append(root);
    const outside = document.createElement('button');
    document.body.append(outside);
    outside.focus();
    takeOver(root, () => {
      root.innerHTML = screen;
    });
    expect(document.activeElement).toBe(outside);
    root.remove();
    outside.remove();
  });
});
