import { computed } from 'vue';
import { features } from '@/features';
import type { Feature } from '@/features/types';
import { hasRole, useSession } from '../session';

/** The features the signed-in user may use: those without a required role, or whose role they hold. */
export function useVisibleFeatures() {
  const { data: session } = useSession();
  return computed<Feature[]>(() =>
    features.filter((feature) => !feature.requiredRole || hasRole(session.value, feature.requiredRole)),
  );
}
