/** What the trigger dialog's conf editor holds: a JSON object to send, or why it cannot be sent. */
export type ConfParse = { ok: true; conf: Record<string, unknown> } | { ok: false; error: string };

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

/** Parses the conf text; an empty editor means `{}`. */
export function parseConf(text: string): ConfParse {
  if (text.trim() === '') return { ok: true, conf: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return {
      ok: false,
      error: `The conf must be a JSON object like {"key": "value"}, not ${kindOf(value)}.`,
    };
  return { ok: true, conf: value as Record<string, unknown> };
}
