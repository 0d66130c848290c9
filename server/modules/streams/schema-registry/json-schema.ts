import type { RegisteredSchema } from './client.ts';
import type { Compiled } from './format.ts';

/** JSON Schema payloads are UTF-8 JSON text; the schema says what they should be, the bytes are the value. */
export function compileJsonSchema(registered: RegisteredSchema): Compiled {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const title = titleOf(registered.schema);
  return (payload) => {
    let text: string;
    try {
      text = utf8.decode(payload);
    } catch {
      throw new Error('the payload is not UTF-8 text');
    }
    try {
      return { type: title, data: JSON.parse(text) };
    } catch {
      throw new Error('the payload is not JSON');
    }
  };
}

function titleOf(schema: string): string | null {
  try {
    const title = (JSON.parse(schema) as { title?: unknown }).title;
    return typeof title === 'string' ? title.slice(0, 200) : null;
  } catch {
    throw new Error('the registered JSON Schema is not JSON');
  }
}
