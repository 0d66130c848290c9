import protobuf from 'protobufjs';
import type { RegisteredSchema, ResolvedReference } from './client.ts';
import type { Compiled } from './format.ts';
import { toJson } from './json-value.ts';
import { readMessageIndexes } from './wire.ts';

const parseOptions = { keepCase: true, alternateCommentMode: true };
const objectOptions: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  json: true,
};

/**
 * Compiles a registered .proto (its referenced imports parsed into the same root first, well-known
 * google/protobuf imports from protobufjs) into a function that reads the message-index path and decodes the
 * payload as that message. Index paths count message declarations in source order, top level then nested; a
 * parent with `map<>` fields may number its nested messages differently (protoc adds a nested entry type per
 * map field), so such nested messages can decode as the wrong type.
 */
export function compileProtobuf(registered: RegisteredSchema): Compiled {
  const root = new protobuf.Root();
  const loaded = new Set<string>();
  const imports = new Set<string>();
  const load = (refs: ResolvedReference[]) => {
    for (const ref of refs) {
      if (loaded.has(ref.name)) continue;
      loaded.add(ref.name);
      load(ref.references);
      for (const file of protobuf.parse(ref.schema, root, parseOptions).imports ?? []) imports.add(file);
    }
  };
  load(registered.references);
  const main = protobuf.parse(registered.schema, root, parseOptions);
  for (const file of main.imports ?? []) imports.add(file);
  for (const file of imports) {
    if (loaded.has(file)) continue;
    const common = protobuf.common.get(file);
    if (!common?.nested)
      throw new Error(`the schema imports ${file}, which is neither a reference nor well known`);
    root.addJSON(common.nested);
    loaded.add(file);
  }
  root.resolveAll();

  // Declaration order of the main file alone (a parse without the references mixed in).
  const alone = protobuf.parse(registered.schema, parseOptions);
  const top = alone.package ? alone.root.lookup(alone.package) : alone.root;
  if (!(top instanceof protobuf.Namespace)) throw new Error('the schema has no messages');
  const types = new Map<string, protobuf.Type>();
  const typeAt = (indexes: number[]): protobuf.Type => {
    const key = indexes.join('.');
    const known = types.get(key);
    if (known) return known;
    let scope: protobuf.Namespace = top;
    let found: protobuf.Type | undefined;
    for (const index of indexes) {
      found = scope.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type)[index];
      if (!found) throw new Error(`the schema has no message at index path [${indexes.join(', ')}]`);
      scope = found;
    }
    const type = root.lookupType(found!.fullName);
    types.set(key, type);
    return type;
  };
  return (payload) => {
    const { indexes, rest } = readMessageIndexes(payload);
    const type = typeAt(indexes);
    const message = type.decode(rest);
    return { type: type.fullName.replace(/^\./, ''), data: toJson(type.toObject(message, objectOptions)) };
  };
}
