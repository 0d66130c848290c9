import type * as Monaco from 'monaco-editor/editor/editor.api';
import type { Connection, MetaNode } from './api';

export type MonacoApi = typeof Monaco;

/** What autocomplete needs for one editor model: its connection and lazy, cached metadata. */
export interface CompletionSource {
  connection: () => Connection | undefined;
  metadata: (path: string[]) => Promise<MetaNode[]>;
  functions: () => Promise<string[]>;
}

const sources = new Map<string, CompletionSource>();
let loading: Promise<MonacoApi> | undefined;

/** Loads Monaco once (only on the SQL route), with its editor worker and the SQL languages. */
export function loadMonaco(): Promise<MonacoApi> {
  loading ??= (async () => {
    const [monaco, worker] = await Promise.all([
      import('monaco-editor/editor/editor.api'),
      import('monaco-editor/editor/editor.worker?worker'),
      import('monaco-editor/features/register.all'),
      import('monaco-editor/languages/definitions/sql/register'),
      import('monaco-editor/languages/definitions/pgsql/register'),
    ]);
    const EditorWorker = worker.default;
    (self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
      getWorker: () => new EditorWorker(),
    };
    for (const language of ['sql', 'pgsql']) {
      monaco.languages.registerCompletionItemProvider(language, {
        triggerCharacters: ['.', '"'],
        provideCompletionItems: (model, position) => complete(monaco, model, position),
      });
    }
    return monaco;
  })();
  return loading;
}

export const setCompletionSource = (uri: string, source: CompletionSource) => sources.set(uri, source);
export const clearCompletionSource = (uri: string) => sources.delete(uri);

const KEYWORDS = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP BY',
  'ORDER BY',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'JOIN',
  'LEFT JOIN',
  'INNER JOIN',
  'CROSS JOIN',
  'ON',
  'USING',
  'AS',
  'AND',
  'OR',
  'NOT',
  'IN',
  'EXISTS',
  'BETWEEN',
  'LIKE',
  'IS NULL',
  'IS NOT NULL',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'DISTINCT',
  'UNION ALL',
  'WITH',
  'INSERT INTO',
  'VALUES',
  'UPDATE',
  'DELETE FROM',
  'CREATE TABLE',
  'EXPLAIN',
  'SHOW CATALOGS',
  'SHOW SCHEMAS',
  'SHOW TABLES',
  'DESCRIBE',
  'USE',
  'SET SESSION',
  'CAST',
];
const MAX_ITEMS = 3_000;

const unquote = (part: string) => (part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part);
const quoteIfNeeded = (name: string) =>
  /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;

async function complete(monaco: MonacoApi, model: Monaco.editor.ITextModel, position: Monaco.Position) {
  const source = sources.get(model.uri.toString());
  const connection = source?.connection();
  const before = model.getValueInRange({
    startLineNumber: position.lineNumber,
    startColumn: 1,
    endLineNumber: position.lineNumber,
    endColumn: position.column,
  });
  const match = /((?:(?:"(?:[^"]|"")*"|[\w$]+)\.)*)("?[\w$]*)$/.exec(before);
  const dotted = match?.[1] ?? '';
  const typed = match?.[2] ?? '';
  const path = dotted ? (dotted.slice(0, -1).match(/"(?:[^"]|"")*"|[\w$]+/g) ?? []).map(unquote) : [];
  const range = new monaco.Range(
    position.lineNumber,
    position.column - typed.length,
    position.lineNumber,
    position.column,
  );
  const kinds = monaco.languages.CompletionItemKind;
  const item = (node: MetaNode) => ({
    label: node.name,
    kind:
      node.kind === 'column'
        ? kinds.Field
        : node.kind === 'catalog' || node.kind === 'schema'
          ? kinds.Module
          : kinds.Struct,
    detail: node.type ?? node.kind,
    insertText: quoteIfNeeded(node.name),
    range,
  });
  if (!source || !connection) return { suggestions: [] };
  const meta = (p: string[]) => source.metadata(p).catch(() => [] as MetaNode[]);
  let nodes: MetaNode[] = [];
  if (connection.capabilities.catalogs) {
    const catalogs = await meta([]);
    const isCatalog = (name: string | undefined) => catalogs.some((c) => c.name === name);
    const cat = connection.catalog;
    if (path.length === 0) {
      nodes = [...catalogs];
      if (cat) nodes.push(...(await meta([cat])));
      if (cat && connection.schema) nodes.push(...(await meta([cat, connection.schema])));
    } else if (path.length === 1) {
      nodes = isCatalog(path[0]) ? await meta([path[0]!]) : cat ? await meta([cat, path[0]!]) : [];
    } else if (path.length === 2) {
      nodes = isCatalog(path[0])
        ? await meta([path[0]!, path[1]!])
        : cat
          ? await meta([cat, path[0]!, path[1]!])
          : [];
    } else if (path.length === 3) nodes = await meta([path[0]!, path[1]!, path[2]!]);
  } else {
    const [db] = await meta([]);
    if (db) {
      if (path.length === 0) nodes = [...(await meta([db.name])), ...(await meta([db.name, 'public']))];
      else if (path.length === 1) {
        nodes = await meta([db.name, path[0]!]);
        if (!nodes.length) nodes = await meta([db.name, 'public', path[0]!]);
      } else if (path.length === 2) nodes = await meta([db.name, path[0]!, path[1]!]);
    }
  }
  const suggestions: Monaco.languages.CompletionItem[] = nodes.slice(0, MAX_ITEMS).map(item);
  if (path.length === 0) {
    for (const k of KEYWORDS) suggestions.push({ label: k, kind: kinds.Keyword, insertText: k, range });
    const fns = await source.functions().catch(() => [] as string[]);
    for (const f of fns.slice(0, MAX_ITEMS)) {
      suggestions.push({ label: f, kind: kinds.Function, insertText: f, detail: 'function', range });
    }
  }
  return { suggestions };
}
