// Validates action.yml and .github/workflows/*.yml with @action-validator/cli (the JSON schemas of
// SchemaStore). Its newest release (0.6.0) predates `runs.using: node24`, so action.yml is checked
// as a copy with node20 there, after asserting that the real file says node24 (what GitHub runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'node_modules', '.bin', 'action-validator');
let failed = false;
const check = (file, label = file) => {
  const r = spawnSync(bin, [file], { encoding: 'utf8' });
  if (r.status !== 0) {
    failed = true;
    console.error(`${label}: invalid\n${r.stdout}${r.stderr}`);
  } else console.log(`${label}: ok`);
};

const action = readFileSync(path.join(root, 'action.yml'), 'utf8');
if (!/^\s+using:\s*node24\s*$/m.test(action)) {
  failed = true;
  console.error('action.yml: runs.using must be node24');
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'lint-actions-'));
writeFileSync(path.join(tmp, 'action.yml'), action.replace(/^(\s+using:\s*)node24\s*$/m, '$1node20'));
check(path.join(tmp, 'action.yml'), 'action.yml');
const wf = path.join(root, '.github', 'workflows');
for (const name of readdirSync(wf)
  .filter((n) => /\.ya?ml$/.test(n))
  .sort())
  check(path.join(wf, name), `.github/workflows/${name}`);
process.exitCode = failed ? 1 : 0;
