import { z } from 'zod';
import { SERVICE_ID } from '../../contract.ts';
import type { ServiceDef } from '../../types.ts';
import { kindOfImage, PRESET_KINDS, servicePreset } from '../presets/registry.ts';
import { probeSchema } from '../probes/registry.ts';

export interface AnnotatedObject {
  /** Reads one key without the prefix, e.g. `name` for `labdeck.io/name`. */
  get(key: string): string | undefined;
  /** Fallbacks from the object itself. */
  name: string;
  href?: string;
  /** What the object runs: a container image (Docker) or an `app.kubernetes.io/name` label; picks the kind. */
  image?: string;
}

const httpUrl = z.url({ protocol: /^https?$/ });
const KNOWN = new Set([
  'enabled',
  'id',
  'name',
  'group',
  'icon',
  'description',
  'href',
  'kind',
  'probe',
  'roles',
  'tags',
  'owner',
  'docs',
]);

/** Keys under the prefix that Labdeck does not know (reported, not fatal). */
export function unknownKeys(keys: Iterable<string>, prefix: string): string[] {
  return [...keys].filter((key) => key.startsWith(prefix) && !KNOWN.has(key.slice(prefix.length)));
}

export const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 128);

/**
 * Turns annotations (Kubernetes) or labels (Docker) into a service, or a reason why not.
 * `probe` is `none`, `http`, `tcp`, an http(s) URL to GET, or a JSON probe object as in labdeck.yaml;
 * without one, the kind's probe (`kind`, else the kind of the object's image).
 */
export function serviceFromAnnotations(
  object: AnnotatedObject,
  source: 'kubernetes' | 'docker',
): { service: ServiceDef } | { reason: string } {
  const name = (object.get('name') ?? object.name).trim();
  if (!name || name.length > 120) return { reason: 'name: expected 1-120 characters' };
  // The object's own name gives a stable id (the display name may change); labdeck.io/id overrides it.
  const id = object.get('id') ?? slug(object.name);
  if (!SERVICE_ID.test(id)) return { reason: `id: "${id.slice(0, 60)}" is not a valid id` };
  const href = object.get('href') ?? object.href;
  if (!href) return { reason: 'href: missing, and the object has no host to derive it from' };
  if (!httpUrl.safeParse(href).success)
    return { reason: `href: expected an http(s) URL, got "${href.slice(0, 100)}"` };
  const docs = object.get('docs');
  if (docs !== undefined && !httpUrl.safeParse(docs).success)
    return { reason: 'docs: expected an http(s) URL' };
  const kind = object.get('kind')?.trim() || kindOfImage(object.image);
  if (kind && !PRESET_KINDS.includes(kind))
    return { reason: `kind: unknown kind "${kind.slice(0, 60)}" (known: ${PRESET_KINDS.join(', ')})` };
  const preset = kind ? servicePreset(kind) : undefined;
  const probe = parseProbe(object.get('probe'), href, preset?.probe(href));
  if ('reason' in probe) return probe;
  const list = (key: string) =>
    (object.get(key) ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  const roles = list('roles');
  if (roles.some((role) => role.length > 64)) return { reason: 'roles: a role is longer than 64 characters' };
  return {
    service: {
      id,
      name,
      url: href,
      description: object.get('description')?.slice(0, 500),
      icon: object.get('icon')?.slice(0, 500) ?? preset?.icon,
      ...(kind ? { kind } : {}),
      tags: list('tags').slice(0, 20),
      owner: object.get('owner')?.slice(0, 120),
      docs,
      roles,
      group: object.get('group')?.trim().slice(0, 120) || 'Discovered',
      source,
      probe: probe.probe,
    },
  };
}

function parseProbe(
  value: string | undefined,
  href: string,
  presetProbe?: Record<string, unknown>,
): { probe: ServiceDef['probe'] } | { reason: string } {
  const text = value?.trim();
  if (!text && presetProbe) return { probe: probeSchema.parse(presetProbe) };
  if (!text || text === 'http') return { probe: probeSchema.parse({ type: 'http' }) };
  if (text === 'none') return { probe: null };
  if (text === 'tcp') return { probe: probeSchema.parse({ type: 'tcp' }) };
  if (/^https?:\/\//.test(text)) {
    return httpUrl.safeParse(text).success
      ? { probe: probeSchema.parse({ type: 'http', url: text }) }
      : { reason: 'probe: not a valid URL' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { reason: `probe: expected none, http, tcp, a URL or a JSON probe object (for ${href})` };
  }
  const parsed = probeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { reason: `probe${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}` };
  }
  return { probe: parsed.data };
}
