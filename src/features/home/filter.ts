import type { ServiceGroupView, ServiceView } from './types';

/** Services whose name, description, group, tags or URL contain every word of the query. */
export function filterServices(
  groups: ServiceGroupView[],
  query: string,
  onlyProblems: boolean,
): ServiceGroupView[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  // No filter (the first paint): every non-empty group as it is, without building each service's text.
  if (!words.length && !onlyProblems) return groups.filter((group) => group.services.length);
  const matches = (service: ServiceView) => {
    if (onlyProblems && (service.status === 'up' || service.status === 'unknown')) return false;
    const text = [
      service.name,
      service.description,
      service.group,
      service.url,
      service.owner,
      ...service.tags,
    ]
      .filter(Boolean)
      .join(' ')
      .toLowerCase();
    return words.every((word) => text.includes(word));
  };
  return groups
    .map((group) => ({ ...group, services: group.services.filter(matches) }))
    .filter((group) => group.services.length);
}
