import type { SqlEngineKind } from './engine.ts';
import { postgresEngine } from './postgres.ts';
import { trinoEngine } from './trino.ts';

/** Every SQL engine a connection may name (`sql.connections[].engine`): one adapter file, one line here. */
export const sqlEngines: readonly [SqlEngineKind, ...SqlEngineKind[]] = [trinoEngine, postgresEngine];
