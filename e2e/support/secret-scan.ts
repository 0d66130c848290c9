import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

/** A configured secret, named for the report. */
export interface Secret {
  name: string;
  value: string;
}

interface Needle {
  label: string;
  text: string;
}

/**
 * The forms a secret takes on the wire: as is, URL-encoded, and base64 / base64url at any alignment
 * inside a longer encoded text (a Basic auth header, a JWT payload, a cookie).
 */
function needles(secret: Secret): Needle[] {
  const forms: Needle[] = [{ label: secret.name, text: secret.value }];
  const encoded = encodeURIComponent(secret.value);
  if (encoded !== secret.value) forms.push({ label: `${secret.name} (URL-encoded)`, text: encoded });
  for (const shift of [0, 1, 2]) {
    const bytes = Buffer.concat([Buffer.alloc(shift), Buffer.from(secret.value)]);
    // Characters that also carry bits of the bytes before or after the secret differ with them: cut.
    const start = Math.ceil((shift * 8) / 6);
    const end = Math.floor((bytes.length * 8) / 6);
    const base64 = bytes.toString('base64').slice(start, end);
    if (base64.length < 12) continue;
    forms.push({ label: `${secret.name} (base64)`, text: base64 });
    const url = bytes.toString('base64url').slice(start, end);
    if (url !== base64) forms.push({ label: `${secret.name} (base64url)`, text: url });
  }
  return forms;
}

/** The secrets (with the form found) that occur in `text`. */
export function secretsIn(text: string, secrets: readonly Secret[]): string[] {
  const found = new Set<string>();
  for (const secret of secrets) {
    if (secret.value.length < 12) throw new Error(`${secret.name} is too short to scan for reliably`);
    for (const needle of needles(secret)) if (text.includes(needle.text)) found.add(needle.label);
  }
  return [...found];
}

/** Every file under `dir`, dot folders (dist/.ssr) included. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** A file's text, precompressed assets (.gz, .br) decompressed. */
function fileText(file: string): string {
  const bytes = readFileSync(file);
  if (file.endsWith('.gz')) return gunzipSync(bytes).toString('latin1');
  if (file.endsWith('.br')) return brotliDecompressSync(bytes).toString('latin1');
  return bytes.toString('latin1');
}

/** `<file>: <secret>` for every secret found in a file under `dir`. */
export function secretsInFolder(dir: string, secrets: readonly Secret[]): string[] {
  return filesUnder(dir).flatMap((file) =>
    secretsIn(fileText(file), secrets).map((name) => `${path.relative(dir, file)}: ${name}`),
  );
}
