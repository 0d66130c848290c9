import { badRequest, forbidden, notFound } from '../../platform/errors.ts';
import type { User } from '../../platform/identity.ts';
import type { ExportBody, SavedBody, SavedQuery, TabBody } from './contract.ts';
import type { SqlService } from './service.ts';
import type { SqlStore } from './store.ts';

const MAX_TABS = 100;

/**
 * A user's own SQL workspace: editor tabs, run history, saved queries and export links. Every call
 * acts for `user` and checks what that user may touch: their own rows, and connections they may use.
 */
export function createSqlWorkspace(store: SqlStore, sql: SqlService) {
  async function ownSaved(user: User, id: string, action: string): Promise<SavedQuery> {
    const saved = await store.getSaved(id);
    if (!saved) throw notFound('No such saved query');
    if (saved.ownerId !== user.id) throw forbidden(`Only the owner may ${action} a saved query`);
    return saved;
  }

  return {
    tabs: (user: User) => store.listTabs(user.id),

    async saveTab(user: User, id: string, tab: TabBody): Promise<void> {
      if ((await store.countTabs(user.id)) >= MAX_TABS) {
        const exists = (await store.listTabs(user.id)).some((t) => t.id === id);
        if (!exists) throw badRequest(`At most ${MAX_TABS} tabs; close some first`);
      }
      await store.saveTab(user.id, { id, ...tab });
    },

    deleteTab: (user: User, id: string) => store.deleteTab(user.id, id),

    history: (user: User, q: { q?: string; limit: number; before?: number }) =>
      store.history(user.id, q.q, q.limit, q.before),

    listSaved: (user: User, q: string | undefined) => store.listSaved(user.id, q),

    /** Anyone with the link may open a saved query whose connection they may use. */
    async saved(user: User, id: string): Promise<SavedQuery> {
      const saved = await store.getSaved(id);
      if (!saved) throw notFound('No such saved query');
      if (saved.ownerId !== user.id) sql.connectionFor(user, saved.connectionId);
      return saved;
    },

    createSaved(user: User, body: SavedBody): Promise<SavedQuery> {
      sql.connectionFor(user, body.connectionId);
      return store.createSaved(user, body);
    },

    async updateSaved(user: User, id: string, body: SavedBody): Promise<SavedQuery> {
      await ownSaved(user, id, 'change');
      sql.connectionFor(user, body.connectionId);
      return store.updateSaved(id, body);
    },

    async deleteSaved(user: User, id: string): Promise<void> {
      await store.deleteSaved((await ownSaved(user, id, 'delete')).id);
    },

    /** A one-time export link for a statement on a connection the user may use. */
    async createExport(user: User, body: ExportBody): Promise<{ id: string; url: string }> {
      sql.connectionFor(user, body.connectionId);
      const id = await store.createExport({
        userId: user.id,
        connectionId: body.connectionId,
        tabId: body.tabId ?? null,
        sql: body.sql,
        format: body.format,
      });
      return { id, url: `/api/sql/exports/${id}` };
    },
  };
}

export type SqlWorkspace = ReturnType<typeof createSqlWorkspace>;
