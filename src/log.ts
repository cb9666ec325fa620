// Where progress and warnings go: core's log in the action, stderr in the CLI.
export interface AnnotationRef {
  file?: string;
  line?: number;
  title?: string;
}

export interface Log {
  info(message: string): void;
  warn(message: string, ref?: AnnotationRef): void;
  error(message: string, ref?: AnnotationRef): void;
  /** Collapsible section on GitHub; a header line in a terminal. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export function streamLog(write: (s: string) => void = (s) => process.stderr.write(s)): Log {
  const at = (ref?: AnnotationRef) => (ref?.file ? ` (${ref.file}${ref.line ? `:${ref.line}` : ''})` : '');
  return {
    info: (m) => write(`${m}\n`),
    warn: (m, ref) => write(`warning: ${m}${at(ref)}\n`),
    error: (m, ref) => write(`error: ${m}${at(ref)}\n`),
    group: async (name, fn) => {
      write(`== ${name}\n`);
      return fn();
    },
  };
}

/** A Log that keeps lines in memory (tests, and the demo's quiet mode). */
export function memoryLog(lines: string[] = []): Log & { lines: string[] } {
  const log = streamLog((s) => lines.push(s.replace(/\n$/, '')));
  return Object.assign(log, { lines });
}
