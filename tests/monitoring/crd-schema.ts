import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";

// Checks an object against a CRD's structural OpenAPI v3 schema the way the API server treats it: wrong
// types, missing required fields, values outside an enum or pattern are refused; a field the schema does
// not know is silently pruned by the API server, which would lose a setting without an error, so here it
// is reported as a problem too. Only the keywords the Prometheus Operator's CRDs use are understood; any
// other keyword is reported, so the checker cannot silently pass what it does not read.

export interface Schema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
}

const UNDERSTOOD = new Set([
  "type",
  "description",
  "properties",
  "additionalProperties",
  "required",
  "items",
  "enum",
  "pattern",
  "format",
  "default",
  "minLength",
  "maxLength",
  "minItems",
  "minimum",
  "maximum",
  "anyOf",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-map-type",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
]);

/** The served v1 schema of a CRD file in the Operator's example/prometheus-operator-crd. */
export function crdSchema(dir: string, plural: string): Schema {
  const crd = yaml.load(readFileSync(join(dir, `monitoring.coreos.com_${plural}.yaml`), "utf8")) as {
    spec: { versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[] };
  };
  const v1 = crd.spec.versions.find((v) => v.name === "v1" && v.served);
  if (!v1) throw new Error(`${plural}: no served v1 version`);
  return v1.schema.openAPIV3Schema;
}

function typeOk(type: Schema["type"], value: unknown): boolean {
  switch (type) {
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}

/** Every problem of `value` against `schema`, each as "<path>: <what>". */
export function schemaProblems(schema: Schema, value: unknown, path = ""): string[] {
  const at = path || "(root)";
  const unknownKeywords = Object.keys(schema).filter((k) => !UNDERSTOOD.has(k));
  if (unknownKeywords.length > 0)
    return [`${at}: the checker does not understand ${unknownKeywords.join(", ")}`];
  if (schema["x-kubernetes-int-or-string"]) {
    return Number.isInteger(value) || typeof value === "string"
      ? []
      : [`${at}: expected an integer or a string`];
  }
  if (!typeOk(schema.type, value)) return [`${at}: expected ${schema.type}, got ${JSON.stringify(value)}`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) {
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
      problems.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: too short`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: too long`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push(`${at}: under ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push(`${at}: over ${schema.maximum}`);
  }
  if (schema.anyOf && !schema.anyOf.some((s) => schemaProblems(s, value, path).length === 0)) {
    problems.push(`${at}: matches none of anyOf`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      problems.push(`${at}: too few items`);
    if (schema.items)
      value.forEach((item, i) =>
        problems.push(...schemaProblems(schema.items as Schema, item, `${path}[${i}]`)),
      );
  }
  if (schema.type === "object" && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (record[key] === undefined) problems.push(`${path ? `${path}.` : ""}${key}: required`);
    }
    for (const [key, child] of Object.entries(record)) {
      const childPath = path ? `${path}.${key}` : key;
      // Object metadata is the API server's own to check, not the CRD's.
      if (path === "" && key === "metadata") continue;
      const known = schema.properties?.[key];
      if (known) problems.push(...schemaProblems(known, child, childPath));
      else if (typeof schema.additionalProperties === "object") {
        problems.push(...schemaProblems(schema.additionalProperties, child, childPath));
      } else if (!schema["x-kubernetes-preserve-unknown-fields"] && schema.additionalProperties !== true) {
        problems.push(`${childPath}: unknown field (the API server would prune it)`);
      }
    }
  }
  return problems;
}
