import { defineServerModule } from '../../platform/module.ts';

export const servicesModule = defineServerModule({ name: 'services' });
