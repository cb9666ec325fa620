// JSON Schema validation of the parsed YAML, with ajv's errors turned into one readable issue per
// key: "arms.baseline.timeout-minutes: must be a number > 0", "unknown key ...; did you mean ...?".

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from './config.schema.json' with { type: 'json' };
import { suggest } from './suggest.js';
import { formatPath, type KeyPath } from './yaml-source.js';

/** One problem with the file: where (a key path, traced to a line later) and what. */
export interface Issue {
  path: KeyPath;
  /** The message after the "file:line: " prefix; it names the key itself. */
  text: string;
}

export const CONFIG_SCHEMA: Record<string, unknown> = schema;

// Compiled on first use: compiling costs tens of milliseconds that importers should not pay.
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    // Our own annotation: the phrase error messages use for a value of the wrong shape.
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Every schema violation of `data`, at most one per key, in ajv's order. */
export function schemaIssues(data: unknown): Issue[] {
  const validate = validator();
  if (validate(data)) return [];
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const typos = new Map<string, string>(); // "parent path" → the key an unknown key was probably meant to be
  const missing: { parent: KeyPath; key: string; issue: Issue }[] = [];
  for (const e of validate.errors ?? []) {
    // The anyOf error itself describes every alternative; its branches' errors would only confuse.
    if (/\/(anyOf\/\d+|propertyNames)\//.test(e.schemaPath)) continue;
    // "must match else schema" only repeats the branch's own error (mtbench: run is required).
    if (e.keyword === 'if') continue;
    const path = typedPath(e.instancePath, data);
    let issue: Issue;
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      const guess = suggest(key, known);
      const full = formatPath([...path, key]);
      issue = {
        path: [...path, key],
        text: guess ? `unknown key ${full}; did you mean ${guess}?` : `unknown key ${full} (expected one of: ${known.join(', ')})`,
      };
      if (guess) typos.set(formatPath(path), guess);
    } else if (e.keyword === 'required') {
      const key = String(e.params.missingProperty);
      issue = { path: [...path, key], text: `${formatPath([...path, key])}: is required` };
      missing.push({ parent: path, key, issue });
    } else if (e.keyword === 'propertyNames') {
      const key = String(e.params.propertyName);
      issue = {
        path: [...path, key],
        text: `${formatPath([...path, key])}: not a valid variable name (letters, digits and _, not starting with a digit)`,
      };
    } else {
      issue = { path, text: `${formatPath(path) || '(top level)'}: ${describe(e)}` };
    }
    const id = formatPath(issue.path);
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  // "arms.baseline.train: is required" next to "unknown key arms.baseline.trian" is the same mistake.
  const explained = new Set(missing.filter((m) => typos.get(formatPath(m.parent)) === m.key).map((m) => m.issue));
  return issues.filter((i) => !explained.has(i));
}

function describe(e: ErrorObject): string {
  const s = e.parentSchema as Record<string, unknown>;
  switch (e.keyword) {
    case 'uniqueItems':
      return 'must not list an item twice';
    case 'minItems':
      return e.params.limit === 1 ? 'must not be empty' : `must have at least ${e.params.limit} items`;
    case 'minLength':
      return e.params.limit === 1 ? 'must not be empty' : `must be at least ${e.params.limit} characters`;
    case 'maxLength':
      return `must be at most ${e.params.limit} characters`;
    default:
      return `must be ${expectation(s)}`;
  }
}

/** The noun phrase for what a schema accepts: "a number > 0", "one of: a, b", "true or false". */
export function expectation(s: Record<string, unknown>): string {
  if (typeof s['x-expected'] === 'string') return s['x-expected'];
  if (Array.isArray(s.enum)) return s.enum.length === 1 ? JSON.stringify(s.enum[0]) : `one of: ${s.enum.join(', ')}`;
  if (Array.isArray(s.anyOf)) return s.anyOf.map((b) => expectation(b as Record<string, unknown>)).join(' or ');
  const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
  if (types.length > 1) return `a ${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`;
  switch (types[0]) {
    case 'boolean':
      return 'true or false';
    case 'integer':
    case 'number':
      return `${types[0] === 'integer' ? 'an integer' : 'a number'}${bounds(s)}`;
    case 'string':
      if (typeof s.pattern === 'string') return `a string matching ${s.pattern.replace(/^\^|\$$/g, '')}`;
      return s.minLength ? 'a non-empty string' : 'a string';
    case 'array': {
      const items = s.items as Record<string, unknown> | undefined;
      const of = items ? ` of ${Array.isArray(items.enum) ? items.enum.join(', ') : `${String(items.type)}s${bounds(items)}`}` : '';
      return `a ${s.minItems ? 'non-empty ' : ''}list${of}`;
    }
    case 'object':
      return 'a mapping';
    default:
      return 'a valid value';
  }
}

function bounds(s: Record<string, unknown>): string {
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = s as Record<string, number | undefined>;
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  const parts: string[] = [];
  if (xmin !== undefined) parts.push(`> ${xmin}`);
  else if (min !== undefined) parts.push(`>= ${min}`);
  if (xmax !== undefined) parts.push(`< ${xmax}`);
  else if (max !== undefined) parts.push(`<= ${max}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/** ajv's JSON pointer as a key path, with array positions as numbers (for `[i]` in messages). */
function typedPath(pointer: string, data: unknown): KeyPath {
  if (pointer === '') return [];
  const out: KeyPath = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}
