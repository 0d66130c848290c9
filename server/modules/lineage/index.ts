import { defineServerModule } from '../../platform/module.ts';

export const lineageModule = defineServerModule({ name: 'lineage' });
