// YAML text → plain data, keeping the document so any key path can be traced back to its line.

import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';

export type KeyPath = (string | number)[];

export interface YamlSource {
  data: unknown;
  /** 1-based line of the deepest node of `path` that exists in the file (1 when none does). */
  lineOf(path: KeyPath): number;
}

export interface YamlSyntaxProblem {
  line: number;
  message: string;
}

/** Parses YAML; returns a syntax problem (with its line) instead of throwing. */
export function readYaml(text: string): YamlSource | YamlSyntaxProblem {
  const lineCounter = new LineCounter();
  // merge: anchors plus `<<: *base` let one arm inherit the other's keys.
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line ?? 1;
    return { line, message: `invalid YAML: ${firstLine(error.message)}` };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Alias bombs and unresolved aliases surface here, not in doc.errors.
    return { line: 1, message: `invalid YAML: ${firstLine(e instanceof Error ? e.message : String(e))}` };
  }
  return { data, lineOf: (path) => lineOfPath(doc, lineCounter, path) };
}

export function isSyntaxProblem(x: YamlSource | YamlSyntaxProblem): x is YamlSyntaxProblem {
  return 'message' in x;
}

/** The dotted form used in messages: `arms.baseline.timeout-minutes`, `artifact.include[1]`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

// yaml's messages end with " at line N, column M:" plus a code frame; the caller prints the line itself.
function firstLine(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?\s*$/, '').trim();
}

function lineOfPath(doc: Document, counter: LineCounter, path: KeyPath): number {
  let node: unknown = doc.contents;
  let line = 1;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      line = lineAt(counter, (pair.key as { range?: [number, number, number] }).range, line);
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      line = lineAt(counter, (item as { range?: [number, number, number] }).range, line);
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function lineAt(counter: LineCounter, range: [number, number, number] | undefined | null, fallback: number): number {
  return range ? counter.linePos(range[0]).line : fallback;
}
