import type { SchemaDecoded } from './types';

/** How a peeked key or value (base64 from the BFF) is shown: text, pretty JSON or hex. */
export type Shown = 'text' | 'json' | 'hex';

export function decodeBase64(value: string | null): Uint8Array | null {
  if (value === null) return null;
  const raw = atob(value);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export function asText(data: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return null;
  }
}

export function asHex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0'))
    .join(' ')
    .replace(/((?:[0-9a-f]{2} ){16})/g, '$1\n')
    .trim();
}

/** The best way to show a value: JSON when it parses, text when it is UTF-8, hex otherwise. */
export function render(value: string | null, mode: Shown | 'auto'): { mode: Shown; text: string } {
  const data = decodeBase64(value);
  if (data === null) return { mode: 'text', text: '(null)' };
  const text = asText(data);
  if (mode === 'hex' || (mode === 'auto' && text === null)) return { mode: 'hex', text: asHex(data) };
  if (text === null) return { mode: 'hex', text: asHex(data) };
  if (mode === 'json' || mode === 'auto') {
    try {
      return { mode: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      if (mode === 'json') return { mode: 'text', text };
    }
  }
  return { mode: 'text', text };
}

const formats = { avro: 'Avro', json: 'JSON Schema', protobuf: 'Protobuf' } as const;

/** "Avro · schema 12 (subject orders-value)" */
export function schemaBadge(decoded: SchemaDecoded): string {
  if ('error' in decoded) return `schema ${decoded.schemaId}`;
  const subject = decoded.subject ? ` (subject ${decoded.subject})` : '';
  return `${formats[decoded.format]} · schema ${decoded.schemaId}${subject}`;
}

/** Pretty JSON of decoded data (`compact`: one line, for keys), or the cut preview the BFF sent. */
export function decodedText(decoded: SchemaDecoded, compact = false): string {
  if ('error' in decoded) return '';
  if (decoded.data === null && decoded.preview !== undefined) return `${decoded.preview}…`;
  return JSON.stringify(decoded.data, null, compact ? undefined : 2);
}
