import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Writes kubeconform's local schema files (one strict, standalone JSON Schema per kind and version)
 * from the Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json of the k8s.io/kubernetes Go
 * module) and from CustomResourceDefinition files (Gateway API, Prometheus Operator): the schema
 * catalogue kubeconform normally downloads is out of reach here. Files are named
 * `<kind>_<group>_<version>.json` (core kinds: group `v1`), matching kubeconform's schema location
 * template `{{ .ResourceKind }}_{{ .Group }}_{{ .ResourceAPIVersion }}.json`.
 *
 * node scripts/k8s-json-schemas.ts <out-dir> <swagger.json> [<crd.yaml>...]
 */

type Schema = { [key: string]: unknown };

const INT_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
const QUANTITY = { oneOf: [{ type: 'string' }, { type: 'number' }] };

/** Unknown keys are errors (kubeconform's strict mode), except where Kubernetes keeps any field. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Schema;
  if (s['x-kubernetes-int-or-string'] === true) return INT_OR_STRING;
  if (s.format === 'int-or-string') return INT_OR_STRING;
  const out: Schema = {};
  for (const [key, value] of Object.entries(s)) {
    out[key] = key === 'enum' || key === 'required' ? value : strict(value);
  }
  const open = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && out.additionalProperties === undefined && !open) out.additionalProperties = false;
  return out;
}

const fileName = (kind: string, group: string, version: string) =>
  `${kind.toLowerCase()}_${group || version}_${version}.json`;

function fromSwagger(file: string): Map<string, Schema> {
  const definitions = (JSON.parse(readFileSync(file, 'utf8')) as { definitions: Record<string, Schema> })
    .definitions;
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = INT_OR_STRING;
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = QUANTITY;
  const out = new Map<string, Schema>();
  for (const [name, definition] of Object.entries(definitions)) {
    const kinds = definition['x-kubernetes-group-version-kind'] as
      | { group: string; version: string; kind: string }[]
      | undefined;
    if (!kinds?.length || !(definition.properties as Schema | undefined)?.metadata) continue;
    const standalone = { ...(strict(definition) as Schema), definitions: referenced(name, definitions) };
    for (const { group, version, kind } of kinds) out.set(fileName(kind, group, version), standalone);
  }
  return out;
}

/** The definitions `name` needs, transitively, strict. */
function referenced(name: string, all: Record<string, Schema>): Record<string, unknown> {
  const needed: Record<string, unknown> = {};
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const target = value.replace('#/definitions/', '');
          if (!(target in needed) && all[target]) {
            needed[target] = strict(all[target]);
            visit(all[target]);
          }
        } else visit(value);
      }
    }
  };
  visit(all[name]);
  return needed;
}

function fromCrd(file: string): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS() as {
      kind?: string;
      spec?: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema?: { openAPIV3Schema: Schema } }[];
      };
    } | null;
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
    for (const version of crd.spec.versions) {
      if (!version.schema) continue;
      const schema = strict(version.schema.openAPIV3Schema) as Schema;
      const properties = schema.properties as Schema;
      // A CRD's schema leaves metadata open; the API server checks it as ObjectMeta.
      properties.metadata = { type: 'object' };
      out.set(fileName(crd.spec.names.kind, crd.spec.group, version.name), schema);
    }
  }
  return out;
}

const [outDir, swagger, ...crds] = process.argv.slice(2);
if (!outDir || !swagger) {
  console.error('usage: node scripts/k8s-json-schemas.ts <out-dir> <swagger.json> [<crd.yaml>...]');
  process.exit(64);
}
mkdirSync(outDir, { recursive: true });
const schemas = new Map([...fromSwagger(swagger), ...crds.flatMap((file) => [...fromCrd(file)])]);
for (const [name, schema] of schemas) writeFileSync(path.join(outDir, name), JSON.stringify(schema));
console.log(`${schemas.size} schemas in ${outDir}`);
