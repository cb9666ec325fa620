// Where the CLI writes: stdout and stderr, injectable so tests capture them without a child process.

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const defaultIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};
