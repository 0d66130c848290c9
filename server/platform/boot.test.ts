import type { Request } from 'express';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  BOOT_ELEMENT_ID,
  bootScriptText,
  collectBootAnswers,
  isDocumentRequest,
  RawJson,
  withBootData,
} from './boot.ts';
import type { ModuleContext, RunningModule } from './module.ts';

const log = pino({ level: 'silent' });
const _ctx = {} as ModuleContext;
const fakeRequest = (method: string, path: string, accept?: string) =>
  ({
    method,
    path,
    get: (name: string) => (name.toLowerCase() === 'accept' ? accept : undefined),
  }) as Request;

describe('boot data', () => {
  it('cannot close its script element or open a comment, whatever the values hold', () => {
    const hostile = '</script><script>alert(1)</script><!-- \u2028';
    const text = bootScriptText(
      { '/a': { description: hostile }, '/b': new RawJson(JSON.stringify({ name: hostile })) },
      'boot.7',
    );
    expect(text).not.toMatch(/</);
    expect(JSON.parse(text)).toEqual({
      liveEventId: 'boot.7',
      api: { '/a': { description: hostile }, '/b': { name: hostile } },
    });
  });

  it('goes into the head of index.html as a JSON data block', () => {
    const html = withBootData('<html><head><title>x</title></head><body></body></html>', '{"api":{}}');
    expect(html).toBe(
      `<html><head><title>x</title><script type="application/json" id="${BOOT_ELEMENT_ID}">{"api":{}}</script>\n</head><body></body></html>`,
    );
    expect(withBootData('<p>no head</p>', '{}')).toBe('<p>no head</p>');
  });

  it.each([
    ['GET', '/', 'text/html,application/xhtml+xml,*/*;q=0.8', true],
    ['GET', '/lineage/graph', 'text/html', true],
    ['HEAD', '/', 'text/html', true],
    ['GET', '/', '*/*', false],
    ['GET', '/', undefined, false],
    ['GET', '/favicon.svg', 'image/avif,image/webp,*/*', false],
    ['GET', '/api/session', 'text/html', false],
    ['GET', '/assets/x.js', 'text/html', false],
    ['POST', '/', 'text/html', false],
  ])('%s %s with Accept %s is a page navigation: %s', (method, path, accept, expected) => {
    expect(isDocumentRequest(fakeRequest(method, path, accept))).toBe(expected);
  });

  it('leaves out a module that fails, is too slow or names a key that is no path', async () => {
    const modules: RunningModule[] = [
      { name: 'ok', bootData: () => ({ '/ok': { fine: true }, '/skipped': undefined }) },
      {
        name: 'broken',
        bootData: () => {
          throw new Error('boom');
        },
      },
      {
        name: 'slow',
        bootData: () => new Promise((resolve) => setTimeout(() => resolve({ '/slow': 1 }), 200)),
      },
      { name: 'bad-key', bootData: () => ({ session: {} }) },
      { name: 'async', bootData: async () => ({ '/async': [1, 2] }) },
      { name: 'none' },
    ];
    const answers = await collectBootAnswers(modules, fakeRequest('GET', '/', 'text/html'), log, 50);
    expect(answers).toEqual({ '/ok': { fine: true }, '/async': [1, 2] });
  });
});
