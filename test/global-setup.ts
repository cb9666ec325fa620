// Integration tests run the bundled dist/ files as a user and GitHub's runner do: build them first.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
