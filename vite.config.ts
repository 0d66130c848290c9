import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const bffUrl = process.env.LABDECK_BFF_URL ?? 'http://127.0.0.1:8080';
// Where the build goes; e2e/secrets-stay-on-server.spec.ts builds a second copy elsewhere, leaving dist/ to the other specs.
const outDir = process.env.LABDECK_BUILD_DIR ?? 'dist';

export default defineConfig({
  plugins: [vue()],
  // `vite build` builds both: the SPA into dist/, then the server entry that renders a page's first
  // screen (src/entry-server.ts) into dist/.ssr/, which the BFF loads (server/platform/ssr.ts). A
  // dot folder, so the BFF's static files never serve it. The client build empties dist/ first.
  builder: {
    buildApp: async (builder) => {
      await builder.build(builder.environments.client!);
      await builder.build(builder.environments.ssr!);
    },
  },
  environments: {
    ssr: {
      build: {
        outDir: `${outDir}/.ssr`,
        manifest: false,
        copyPublicDir: false,
        rolldownOptions: { input: { 'entry-server': 'src/entry-server.ts' } },
      },
    },
  },
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir,
    manifest: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      output: {
        // What every page runs (Vue, router, Pinia, vue-query, axios) in one chunk, not four: the first
        // paint waits for every static import, and a browser opens only six connections per origin.
        codeSplitting: {
          groups: [
            {
              name: 'framework',
              test: /node_modules[\\/](@vue|vue|vue-router|pinia|@tanstack[\\/](vue-query|query-core)|axios)[\\/]/,
            },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: bffUrl, changeOrigin: false },
      '/healthz': bffUrl,
      '/readyz': bffUrl,
      '/metrics': bffUrl,
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          environment: 'node',
          include: ['server/**/*.test.ts', 'scripts/**/*.test.ts', 'deploy/**/*.test.ts'],
          globalSetup: ['server/test/global-setup.ts'],
          exclude: ['**/*.lab.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'web',
          environment: 'happy-dom',
          include: ['src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'lab',
          environment: 'node',
          include: ['lab/**/*.test.ts', '**/*.lab.test.ts'],
          globalSetup: ['server/test/global-setup.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
