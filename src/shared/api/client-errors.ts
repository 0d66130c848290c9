import { api } from './client';

/** What a panel's error boundary tells the BFF (POST /api/client-errors, logged at warn there). */
export interface ClientErrorReport {
  message: string;
  component: string;
  panel: string;
  route: string;
  stack?: string;
}

// The BFF refuses longer fields; a cut report is still worth logging.
const MAX_MESSAGE = 2048;
const MAX_STACK = 8192;

/** Sends one report; a report that cannot be sent is dropped (it must never fail the page further). */
export async function reportClientError(report: ClientErrorReport): Promise<void> {
  try {
    await api.post('/client-errors', {
      ...report,
      message: report.message.slice(0, MAX_MESSAGE) || 'Unknown error',
      stack: report.stack?.slice(0, MAX_STACK),
    });
  } catch {
    // Nothing to do: the panel already shows the failure to the user.
  }
}
