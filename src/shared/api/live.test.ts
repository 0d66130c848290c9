import { QueryClient, QueryObserver } from '@tanstack/vue-query';
import { afterEach, describe, expect, it } from 'vitest';
import { invalidateLive } from './live';

/** A server whose answers the test releases one at a time: each fetch reads the value when it starts. */
function slowServer() {
  let value = 'before';
  const releases: (() => void)[] = [];
  let fetches = 0;
  return {
    set: (next: string) => {
      value = next;
    },
    release: () => releases.shift()?.(),
    get fetches() {
      return fetches;
    },
    fetch: () => {
      fetches++;
      const read = value;
      return new Promise<string>((resolve) => releases.push(() => resolve(read)));
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('invalidateLive', () => {
  let client: QueryClient;
  let stop = () => {};
  afterEach(() => {
    stop();
    client.clear();
  });

  function watch(server: ReturnType<typeof slowServer>) {
    client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const observer = new QueryObserver(client, { queryKey: ['board'], queryFn: server.fetch });
    stop = observer.subscribe(() => {});
    return observer;
  }

  it('refetches when the change arrives during the first fetch, whose answer predates it', async () => {
    const server = slowServer();
    const observer = watch(server);
    await settle();
    expect(server.fetches).toBe(1);

    server.set('after'); // the change lands on the server after the first fetch read...
    invalidateLive(client, ['board']); // ...and its live event arrives before that fetch answered
    server.release();
    await settle();
    expect(observer.getCurrentResult().data).toBe('before');

    expect(server.fetches).toBe(2);
    server.release();
    await settle();
    expect(observer.getCurrentResult().data).toBe('after');
  });

  it('refetches a query that already has data once, as TanStack Query does', async () => {
    const server = slowServer();
    const observer = watch(server);
    await settle();
    server.release();
    await settle();
    expect(observer.getCurrentResult().data).toBe('before');

    server.set('after');
    invalidateLive(client, ['board']);
    await settle();
    expect(server.fetches).toBe(2);
    server.release();
    await settle();
    expect(observer.getCurrentResult().data).toBe('after');
    expect(server.fetches).toBe(2);
  });
});
