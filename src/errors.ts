// Error classes that carry their context. Helpers throw these; only the entry points map them
// to exit codes (CLI) or annotations (action).

export class GateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateError';
  }
}

/** Bad command-line usage or action input. Exit code 2. */
export class UsageError extends GateError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A config file or value is wrong. `key` is the dotted path (e.g. `arms.baseline.train`). Exit code 2. */
export class ConfigError extends GateError {
  constructor(
    message: string,
    readonly file?: string,
    readonly key?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** An input file is malformed or missing. Names the file and, where known, the line or key. → INVALID (exit 4). */
export class ParseError extends GateError {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'ParseError';
  }
}

/** The message of anything thrown, never "[object Object]". */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

/** "file:line: message" style location prefix for one-line errors. */
export function describeParseError(e: ParseError): string {
  const where = e.line !== undefined ? `${e.file}:${e.line}` : e.file;
  const key = e.key ? ` (key ${e.key})` : '';
  return `${where}${key}: ${e.message}`;
}
