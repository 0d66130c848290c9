import { useQuery } from '@tanstack/vue-query';
import { api } from '@/shared/api/client';

export interface SystemInfo {
  version: string;
  startedAt: string;
  node: string;
  config: string | null;
  database: 'embedded' | 'external';
}

export function useSystemInfo() {
  return useQuery({ queryKey: ['system'], queryFn: async () => (await api.get<SystemInfo>('/system')).data });
}
