/** A source's failure as text fit to show (adapters throw messages without credentials). */
export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.trim() || 'failed without a message').slice(0, 1_000);
}

/**
 * Runs `work` with a signal that aborts after `ms`, and gives up waiting at that moment even when the
 * work ignores its signal: a slow source never holds a poll or a request past its timeout.
 */
export async function timeBoxed<T>(
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what} timed out after ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
