/**
 * The JavaScript a browser must load before the Home route paints, from a real production build:
 * the entry chunk (which holds the Home page, or else the Home page's own chunk) and everything they
 * import statically, gzip-compressed.
 * Baseline in the same run: all JavaScript of the app. Fails when a heavy library (monaco, mermaid,
 * echarts, elkjs) is among those chunks or the budget is exceeded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rollup } from 'vite';

const BUDGET_BYTES = 100 * 1024;
const HEAVY = ['monaco-editor', 'mermaid', 'echarts', 'vue-echarts', 'zrender', 'elkjs'];
const root = path.resolve(import.meta.dirname, '..');

const outDir = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-build-'));
try {
  const result = await build({
    root,
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true, write: false },
  });
  const output = (Array.isArray(result) ? result[0] : result) as Rollup.RollupOutput;
  const chunks = new Map(
    output.output
      .filter((item): item is Rollup.OutputChunk => item.type === 'chunk')
      .map((chunk) => [chunk.fileName, chunk]),
  );
  const entry = [...chunks.values()].find((chunk) => chunk.isEntry)!;
  const isHomePage = (id: string | null) => id?.endsWith('features/home/HomePage.vue') ?? false;
  const home = [...chunks.values()].find(
    (chunk) => isHomePage(chunk.facadeModuleId) || Object.keys(chunk.modules).some(isHomePage),
  );
  if (!home) throw new Error('src/features/home/HomePage.vue is in no chunk of the build');

  const initial = new Set<string>();
  const visit = (name: string) => {
    if (initial.has(name)) return;
    initial.add(name);
    for (const dep of chunks.get(name)?.imports ?? []) visit(dep);
  };
  visit(entry.fileName);
  visit(home.fileName);

  const gz = (chunk: Rollup.OutputChunk) => gzipSync(chunk.code).length;
  const initialBytes = [...initial].reduce((sum, name) => sum + gz(chunks.get(name)!), 0);
  const allBytes = [...chunks.values()].reduce((sum, chunk) => sum + gz(chunk), 0);
  const heavyFound = [...initial].flatMap((name) =>
    Object.keys(chunks.get(name)!.modules)
      .filter((id) => HEAVY.some((lib) => id.includes(`/node_modules/${lib}/`)))
      .map((id) => `${name}: ${id.split('/node_modules/')[1]}`),
  );

  console.log(
    `home route initial JS: ${(initialBytes / 1024).toFixed(1)} KiB gzip in ${initial.size} chunks`,
  );
  for (const name of initial) console.log(`  ${name}  ${(gz(chunks.get(name)!) / 1024).toFixed(1)} KiB`);
  console.log(`baseline, all app JS: ${(allBytes / 1024).toFixed(1)} KiB gzip in ${chunks.size} chunks`);
  console.log(
    `home route share: ${((100 * initialBytes) / allBytes).toFixed(1)}% ; budget ${BUDGET_BYTES / 1024} KiB`,
  );
  console.log(`heavy libraries in the home route: ${heavyFound.length ? heavyFound.join(', ') : 'none'}`);
  if (heavyFound.length || initialBytes > BUDGET_BYTES) process.exitCode = 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
