import { useQueryClient } from '@tanstack/vue-query';
import type { SqlLanguage } from 'sql-formatter';
import type { ComputedRef, Ref, WritableComputedRef } from 'vue';
import { toFailure } from '@/shared/api/client';
import { type Connection, createExport, type Tab, useSaveQuery } from './api';
import type { EditorTarget } from './components/SqlEditor.vue';
import { execute, type RunState } from './run';
import { applyParams, splitStatements } from './statements';

export interface ActionContext {
  active: ComputedRef<Tab | undefined>;
  connection: ComputedRef<Connection | undefined>;
  run: ComputedRef<RunState>;
  sql: WritableComputedRef<string>;
  paramValues: WritableComputedRef<Record<string, string>>;
  editor: Ref<{ target(): EditorTarget | undefined; replaceAll(text: string): void } | undefined>;
  notice: Ref<string>;
}

/** What the toolbar and keyboard do: run, run all, explain, format, save and export. */
export function useSqlActions(ctx: ActionContext) {
  const { active, connection, run, sql, paramValues, editor, notice } = ctx;
  const queryClient = useQueryClient();
  const saveQuery = useSaveQuery();

  async function runTarget(target: EditorTarget | undefined, mode: 'run' | 'explain' = 'run') {
    const tab = active.value;
    if (!tab?.connectionId || !target?.sql.trim()) return;
    await execute(
      run.value,
      {
        connectionId: tab.connectionId,
        sql: applyParams(target.sql, paramValues.value),
        tabId: tab.id,
        mode,
      },
      target.offset,
    );
  }

  async function runAll() {
    const tab = active.value;
    if (!tab) return;
    for (const statement of splitStatements(tab.sql)) {
      const state = await execute(
        run.value,
        {
          connectionId: tab.connectionId!,
          sql: applyParams(statement.text, paramValues.value),
          tabId: tab.id,
          mode: 'run',
        },
        statement.start,
      );
      if (state !== 'finished') break;
    }
    void queryClient.invalidateQueries({ queryKey: ['sql', 'history'] });
  }

  async function format() {
    const { format: formatSql, supportedDialects } = await import('sql-formatter');
    try {
      const dialect = connection.value?.dialect ?? 'sql';
      const language = (supportedDialects.includes(dialect) ? dialect : 'sql') as SqlLanguage;
      editor.value?.replaceAll(
        formatSql(sql.value, {
          language,
          keywordCase: 'upper',
          paramTypes: { custom: [{ regex: String.raw`\{\{\s*\w+\s*\}\}` }] },
        }),
      );
    } catch (error) {
      notice.value = `Cannot format: ${(error as Error).message.split('\n')[0]}`;
    }
  }

  async function save() {
    const tab = active.value;
    if (!tab?.connectionId) return;
    const name = window.prompt('Name of the saved query', tab.title)?.trim();
    if (!name) return;
    try {
      const saved = await saveQuery.mutateAsync({ name, connectionId: tab.connectionId, sql: tab.sql });
      notice.value = `Saved "${saved.name}". Link: ${location.origin}/sql?saved=${saved.id}`;
    } catch (error) {
      notice.value = `Could not save: ${toFailure(error).message}`;
    }
  }

  async function exportResult(formatName: 'csv' | 'jsonl') {
    const tab = active.value;
    const target = editor.value?.target();
    if (!tab?.connectionId || !target) return;
    try {
      const url = await createExport({
        connectionId: tab.connectionId,
        sql: applyParams(target.sql, paramValues.value),
        tabId: tab.id,
        format: formatName,
      });
      const a = document.createElement('a');
      a.href = url;
      a.download = '';
      document.body.append(a);
      a.click();
      a.remove();
      notice.value = 'Export started: the download streams the full result.';
    } catch (error) {
      notice.value = `Could not export: ${toFailure(error).message}`;
    }
  }

  return { runTarget, runAll, format, save, exportResult };
}
