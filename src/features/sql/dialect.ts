/** Monaco's language for a connection's SQL dialect (contract `ConnectionInfo.dialect`). */
export const editorLanguage = (dialect: string | undefined): 'sql' | 'pgsql' =>
  dialect === 'postgresql' ? 'pgsql' : 'sql';
