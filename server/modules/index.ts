import type { ServerModule } from '../platform/module.ts';
import { authModule } from './auth/index.ts';
import { jobsModule } from './jobs/index.ts';
import { lineageModule } from './lineage/index.ts';
import { servicesModule } from './services/index.ts';
import { sqlModule } from './sql/index.ts';
import { streamsModule } from './streams/index.ts';
import { systemModule } from './system/index.ts';

/** Every capability of the BFF, in start order (auth first: its middleware identifies the user). */
export const serverModules: readonly ServerModule[] = [
  authModule,
  systemModule,
  servicesModule,
  lineageModule,
  sqlModule,
  streamsModule,
  jobsModule,
];
