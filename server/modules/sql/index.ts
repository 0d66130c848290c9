import { defineServerModule } from '../../platform/module.ts';

export const sqlModule = defineServerModule({ name: 'sql' });
