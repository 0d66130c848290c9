import { z } from 'zod';
import type { JobSourceAdapter } from './adapters/types.ts';
import { SOURCE_ID } from './contract.ts';

const roles = z.array(z.string().min(1).max(64)).max(50).default(['admin']);

/** The keys every `jobs.sources[]` entry has, whatever its kind (see SourceCommonConfig). */
export const sourceCommonShape = {
  id: z.string().regex(SOURCE_ID, 'expected lower-case letters, digits, "_" or "-" (max 63)'),
  name: z.string().min(1).max(120).optional(),
  url: z.url({ protocol: /^https?$/ }),
  /** The Home service this source is (its tile shows the failing-jobs count). */
  service: z.string().min(1).max(128).optional(),
  intervalMs: z.number().int().min(1_000).max(86_400_000).default(15_000),
  timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  /** Roles that may take each action (admins always may); an empty list means everyone signed in. */
  roles: z.strictObject({ trigger: roles, rerun: roles, cancel: roles }).prefault({}),
};

/** A validated source entry: the common keys (typed), its `kind`, and the kind's own keys. */
const sourceEntry = z.looseObject({
  ...sourceCommonShape,
  url: sourceCommonShape.url.optional(),
  kind: z.string(),
});
export type JobSourceConfig = z.output<typeof sourceEntry>;

/** One `jobs.sources[]` entry: the schema of the adapter its `kind` names, plus the common keys. */
export function sourceSchema(adapters: readonly JobSourceAdapter[]) {
  const [first, ...rest] = adapters.map((adapter) =>
    z.strictObject(sourceCommonShape).extend(adapter.schema.shape),
  );
  if (!first)
    return z
      .unknown()
      .refine(() => false, 'no job source kinds are available in this build')
      .pipe(sourceEntry);
  // The adapters' schemas are typed loosely here; the common keys are typed by re-reading them.
  return z.discriminatedUnion('kind', [first, ...rest]).pipe(sourceEntry);
}

/** The `jobs` section of labdeck.yaml, for the given source kinds (registry.ts; tests add fakes). */
export function jobsSection(adapters: readonly JobSourceAdapter[]) {
  return z
    .strictObject({
      /** Runs older than this are deleted (the source's own cleanup does not touch them). */
      retentionDays: z.number().min(1).max(3_650).default(30),
      /** The window of the job × state counts (the matrix). */
      windowDays: z.number().min(1).max(90).default(7),
      sources: z.array(sourceSchema(adapters)).max(200).default([]),
      /**
       * List the runs OpenLineage producers report (source `openlineage`) without configuring it; a
       * configured `kind: openlineage` source replaces it.
       */
      openLineageRuns: z.boolean().default(true),
    })
    .superRefine((section, ctx) => {
      const seen = new Set<string>();
      section.sources.forEach((source, index) => {
        if (seen.has(source.id))
          ctx.addIssue({
            code: 'custom',
            path: ['sources', index, 'id'],
            message: `duplicate job source id "${source.id}"`,
          });
        seen.add(source.id);
      });
    })
    .transform((section) => withOpenLineageRuns(section, adapters))
    .prefault({});
}

const DEFAULT_OPENLINEAGE = { id: 'openlineage', kind: 'openlineage', name: 'OpenLineage runs' };

function withOpenLineageRuns<S extends { sources: JobSourceConfig[]; openLineageRuns: boolean }>(
  section: S,
  adapters: readonly JobSourceAdapter[],
): S {
  const wanted =
    section.openLineageRuns &&
    adapters.some((adapter) => adapter.kind === DEFAULT_OPENLINEAGE.kind) &&
    !section.sources.some(
      ({ kind, id }) => kind === DEFAULT_OPENLINEAGE.kind || id === DEFAULT_OPENLINEAGE.id,
    );
  if (!wanted) return section;
  return { ...section, sources: [...section.sources, sourceSchema(adapters).parse(DEFAULT_OPENLINEAGE)] };
}

export type JobsConfig = z.output<ReturnType<typeof jobsSection>>;
