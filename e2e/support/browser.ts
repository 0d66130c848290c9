// The e2e suite and the BFF's browser checks launch the same Chromium the same way.
export { chromiumArgs, chromiumExecutable } from '../../server/platform/chromium.ts';
