import { defineServerModule } from '../../platform/module.ts';

export const streamsModule = defineServerModule({ name: 'streams' });
