// Issue 24 item 8: the habits CI keeps. `.ci/run` lints the TypeScript before it tests; the unit
// tests run apart from the integration tests (`npm run test:unit`, `npm run test:int`), `npm test`
// stays the whole suite (the README's test command); every dev tool the scripts call is a
// devDependency the README's "Dependencies" justifies; no test of pure code asserts its speed (bench/ does).
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };

function testFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

describe('habits', () => {
  it('.ci/run runs the lint (eslint) after the type-check and before the tests', () => {
    const ci = read('.ci/run');
    const at = ['npm run -s typecheck', 'npm run -s lint', 'npm test'].map((s) => ci.indexOf(s));
    expect(
      at.every((i) => i >= 0),
      `positions ${at}`,
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(pkg.scripts.lint).toBe('eslint .');
    expect(pkg.scripts['format:check']).toMatch(/^prettier --check /);
  });

  it('test:unit and test:int split the suite at test/integration/; npm test is the whole of it', () => {
    expect(pkg.scripts.test).toBe('vitest run');
    expect(pkg.scripts['test:unit']).toBe("vitest run --exclude 'test/integration/**'");
    expect(pkg.scripts['test:int']).toBe('vitest run test/integration/');
    // Integration tests are named *.int.test.ts and live in test/integration/ only.
    const all = testFiles('test');
    expect(all.filter((f) => f.endsWith('.int.test.ts') !== f.startsWith(`test${path.sep}integration${path.sep}`))).toEqual([]);
  });

  it('eslint, typescript-eslint and prettier are devDependencies the README justifies', () => {
    const deps = read('README.md').split('\n## Dependencies')[1] ?? '';
    for (const name of ['eslint', 'typescript-eslint', 'prettier']) {
      expect(Object.keys(pkg.devDependencies)).toContain(name);
      expect(deps).toContain(`\`${name}\``);
    }
  });

  it('no test of pure code measures its own speed (speed targets live in bench/)', () => {
    // The process and HTTP tests keep their deadlines (stopped within grace + 1 s): those bound a
    // promised behaviour, documented in docs/reliability.md, not how fast this machine computes.
    const pure = ['readers', 'checks', 'report', 'config', 'engine', 'history', 'calibrate', 'browser'].flatMap((d) => testFiles(path.join('test', d)));
    expect(pure.length).toBeGreaterThan(50);
    const timed = /(?:Date|performance)\.now\(\)[^;\n]*\n?[^;\n]*toBeLessThan|\b(?:ms|seconds|elapsed)\)\.toBeLessThan/;
    expect(pure.filter((f) => timed.test(read(f)))).toEqual([]);
  });
});
