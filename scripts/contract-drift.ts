// CI check that the contract files are the SPA's only definition of API types: renames a field of a
// server contract in a scratch copy of the tree and expects the SPA's typecheck to fail on the SPA code
// that still uses the old name. Exits 0 when it does, 1 when the rename went unnoticed.
//   node scripts/contract-drift.ts
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
/** Fields the SPA reads, in different contracts: each rename must break the SPA's build. */
const renames = [
  {
    file: 'server/modules/services/contract.ts',
    from: '  owner: string | null;',
    to: '  ownerName: string | null;',
  },
  { file: 'server/modules/sql/contract.ts', from: '  readOnly: boolean;', to: '  writable: boolean;' },
  {
    file: 'server/modules/streams/contract.ts',
    from: '  underReplicated: number;',
    to: '  underReplicatedPartitions: number;',
  },
  { file: 'server/modules/auth/contract.ts', from: '  authMode: AuthMode;', to: '  mode: AuthMode;' },
  { file: 'server/platform/contract.ts', from: '    code: z.string(),', to: '    errorCode: z.string(),' },
  // A field of a node detail the page reads, and one of the live change the graph applies.
  {
    file: 'server/modules/lineage/contract.ts',
    from: '  schemaDiffs: SchemaDiff[];',
    to: '  schemaChanges: SchemaDiff[];',
  },
  {
    file: 'server/modules/lineage/contract.ts',
    from: '  edgesAdded: [string, string][];',
    to: '  addedEdges: [string, string][];',
  },
];

const scratch = mkdtempSync(path.join(tmpdir(), 'labdeck-contract-drift-'));
try {
  for (const part of ['src', 'server', 'tsconfig.json', 'vite.config.ts', 'package.json'])
    cpSync(path.join(root, part), path.join(scratch, part), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));
  for (const { file, from, to } of renames) {
    const target = path.join(scratch, file);
    const text = readFileSync(target, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} no longer has "${from.trim()}": update this check`);
    writeFileSync(target, text.replace(from, to));
  }
  const result = spawnSync(
    path.join(root, 'node_modules/.bin/vue-tsc'),
    ['--noEmit', '-p', 'tsconfig.json'],
    {
      cwd: scratch,
      encoding: 'utf8',
    },
  );
  const output = `${result.stdout}${result.stderr}`;
  const missed = renames.filter(({ from }) => {
    const field = from.trim().split(':')[0]!;
    return !new RegExp(`Property '${field}' does not exist`).test(output);
  });
  if (result.status === 0 || missed.length > 0) {
    console.error(
      `contract drift went unnoticed for: ${missed.map((r) => r.from.trim()).join(', ') || 'all'}`,
    );
    console.error(output.slice(0, 4000));
    process.exit(1);
  }
  console.log(
    `contract drift check: renaming ${renames.length} contract fields breaks the SPA typecheck, as it must`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
