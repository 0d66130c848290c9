import pg from 'pg';
import { createAuthStore } from '../store.ts';

/**
 * Stores a live session for the demo analyst the way sign-in does (its row in the auth store), for
 * tests and benchmarks that need a signed-in user without an OpenID provider; the cookie value.
 */
export async function storeAnalystSession(databaseUrl: string, hours = 24): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const store = createAuthStore({
      query: (text: string, values?: unknown[]) => client.query(text, values),
    } as never);
    const { token } = await store.createSession({
      userId: 'analyst',
      userName: 'Ana Lyst',
      email: 'analyst@lab.localhost',
      roles: ['analyst'],
      groups: ['analysts'],
      provider: 'default',
      subject: 'stored-analyst',
      expiresAt: new Date(Date.now() + hours * 3_600_000),
    });
    return token;
  } finally {
    await client.end();
  }
}
