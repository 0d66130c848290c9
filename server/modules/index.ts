import type { ServerModule } from '../platform/module.ts';
import { authModule } from './auth/index.ts';
import { systemModule } from './system/index.ts';

/** Every capability of the BFF, in start order (auth first: its middleware identifies the user). */
export const serverModules: readonly ServerModule[] = [authModule, systemModule];
